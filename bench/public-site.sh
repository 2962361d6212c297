#!/usr/bin/env bash
# The public site under load, as a citizen's phone fetches it: starts the server (Release build, a throwaway SQLite
# database with the demo municipality, 127.0.0.1 only), then for each kind of page prints its weight (HTML as sent,
# gzip when asked) and what wrk measures against it: requests a second, latency p50/p99. Stops the server at the end.
#   bench/public-site.sh [seconds per page, default 10] [connections, default 16]
#   CACHE_FOR=00:00:00 bench/public-site.sh   (every request rendered: the server's page cache off)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_PAGE=${1:-10}
CONNECTIONS=${2:-16}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
DIR=$(mktemp -d /tmp/piazza-site-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
dotnet build src/Piazza.Server -c Release -nologo -v q >"$DIR/build.log" 2>&1 || { tail -20 "$DIR/build.log"; exit 1; }
(cd src/Piazza.Server && ConnectionStrings__Piazza="Data Source=$DIR/piazza.db" Security__MasterKeyFile="$DIR/master.key" \
  Broadcast__DispatcherEnabled=false Logging__LogLevel__Default=Warning PublicSite__CacheFor="${CACHE_FOR:-00:00:05}" \
  exec dotnet bin/Release/net10.0/Piazza.Server.dll --urls "$BASE") >"$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 1 120); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.5; done
BULLETIN=$(curl -s "$BASE/prato-demo/zh/archive" | grep -o '/prato-demo/zh/bulletins/[0-9a-f-]*' | head -1)
printf '%-40s %9s %9s %10s %9s %9s\n' page html_B gzip_B req_per_s p50_ms p99_ms
for path in /prato-demo/it /prato-demo/zh /prato-demo/it/archive /prato-demo/it/subscribe /prato-demo/it/topics/acqua "$BULLETIN" /prato-demo/zh/feed.atom; do
  raw=$(curl -s -o /dev/null -w '%{size_download}' "$BASE$path")
  gz=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$BASE$path")
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_PAGE}s" --latency -H 'Accept-Encoding: gzip' "$BASE$path")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}')
  printf '%-40s %9s %9s %10s %9s %9s %s\n' "$path" "$raw" "$gz" "$rps" "$p50" "$p99" "$errors"
done
css=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$BASE/lib/bootstrap-italia/css/bootstrap-italia.min.css")
own=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$BASE/css/public.css")
echo "stylesheets (once, then cached): bootstrap-italia.min.css $css B, public.css $own B as served to a browser asking for gzip; no script, no web font"
echo "server RSS after the run: $(awk '/VmHWM/ {print $2" "$3}' /proc/$SERVER/status) (peak)"
