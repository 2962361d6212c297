#!/usr/bin/env bash
# Runs every test of Piazza: the whole suite against SQLite, then again against a throwaway PostgreSQL
# cluster on 127.0.0.1. Installs through apt what the tests need when it is missing (PostgreSQL server,
# Chromium, CJK fonts, Node.js, jing) and through npm the test tools (Prism), stops what it started, and ends
# with the line "N passed, N failed".
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter "FullyQualifiedName~Topics").
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
OUT=$ROOT/TestResults
rm -rf "$OUT" && mkdir -p "$OUT"

log() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else echo "need root for: $*" >&2; return 1; fi; }

# 1. What the tests need ----------------------------------------------------------------------------
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x "${PIAZZA_CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
command -v npm >/dev/null || need+=(nodejs npm)
[ -x "${PIAZZA_JING:-/usr/bin/jing}" ] || need+=(jing)   # RELAX NG validator: the Atom feeds against RFC 4287's schema
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { echo "could not install ${need[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi
export PIAZZA_CHROMIUM=${PIAZZA_CHROMIUM:-/usr/bin/chromium}

# Prism (validates the WhatsApp adapter's requests against Meta's OpenAPI specification), pinned by
# tests/tools/package-lock.json: installed when node_modules is missing or the lock file changed.
TOOLS=$ROOT/tests/tools
lock_sum=$(sha256sum "$TOOLS/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$TOOLS/node_modules" ] || [ "$(cat "$TOOLS/node_modules/.piazza-lock.sha256" 2>/dev/null)" != "$lock_sum" ]; then
  log "installing the test tools (npm ci --prefix tests/tools)"
  npm ci --prefix "$TOOLS" --no-audit --no-fund --loglevel=error >"$OUT/npm-tools.log" 2>&1 \
    && echo "$lock_sum" >"$TOOLS/node_modules/.piazza-lock.sha256" \
    || { cat "$OUT/npm-tools.log"; echo "could not install the test tools"; echo "0 passed, 1 failed"; exit 1; }
fi

# 2. A throwaway PostgreSQL cluster on loopback ------------------------------------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDIR=$(mktemp -d /tmp/piazza-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -f "$PGDIR/data/postmaster.pid" ] && pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$PGDIR"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
log "starting PostgreSQL ($PGBIN) on 127.0.0.1:$PGPORT"
pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$OUT/initdb.log" 2>&1 \
  && pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/pg.log" -w -t 60 \
       -o "-h 127.0.0.1 -p $PGPORT -k $PGDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null \
  || { cat "$OUT/initdb.log" "$PGDIR/pg.log" 2>/dev/null; echo "0 passed, 1 failed"; exit 1; }
export PIAZZA_TEST_PG="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50"

# 3. Build once, then the suite on each database ----------------------------------------------------
log "building"
dotnet build Piazza.slnx -c Release -nologo -v q >"$OUT/build.log" 2>&1 || { grep -E "error|Error" "$OUT/build.log" | sort -u | head -40; echo "0 passed, 1 failed"; exit 1; }

status=0
for db in sqlite postgres; do
  log "tests on $db"
  PIAZZA_TEST_DB=$db PIAZZA_SCREENSHOTS="$OUT/screenshots/$db" dotnet test Piazza.slnx -c Release --no-build -nologo \
    --logger "trx;LogFilePrefix=$db" --logger "console;verbosity=minimal" --results-directory "$OUT/$db" "$@" \
    || { status=1
         # A browser test that failed on a server error: what the server logged, so the CI log says why.
         log_file="$OUT/screenshots/$db/server-errors.log"
         [ -s "$log_file" ] && { echo "-- the server's errors during the browser tests on $db (last 120 lines of $log_file):"; tail -n 120 "$log_file"; }; }
done

# 4. One line: what passed and what did not (tests that did not run count as failed) ----------------
python3 - "$OUT" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {'t': 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010'}
passed = failed = 0
files = glob.glob(sys.argv[1] + '/**/*.trx', recursive=True)
for f in files:
    c = ET.parse(f).getroot().find('t:ResultSummary/t:Counters', ns)
    passed += int(c.get('passed'))
    failed += int(c.get('total')) - int(c.get('passed'))
if not files: failed = 1
print(f"{passed} passed, {failed} failed")
PY
exit $status
