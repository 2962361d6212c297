using System.Globalization;

namespace Piazza.Bench;

/// <summary>Which database the benchmark runs on.</summary>
public enum BenchDb
{
    Sqlite,
    Postgres,
}

/// <summary>The command line of <c>broadcast</c>.</summary>
/// <param name="Db">sqlite or postgres.</param>
/// <param name="Subscribers">How many subscribers to seed (all follow the routine topic; one in ten the civil-protection topic).</param>
/// <param name="Rate">The channel's rate limit in messages a second; null for "unlimited" (100,000/s).</param>
/// <param name="JsonFile">Where to write the result as one JSON object.</param>
/// <param name="TimeoutSeconds">Give up when both bulletins are not sent after this long.</param>
/// <param name="Check">Exit with 3 when a target is missed.</param>
/// <param name="Keep">With ConnectionStrings__Piazza: leave the benchmark's rows in the database (to inspect plans).</param>
public sealed record BenchOptions(BenchDb Db, int Subscribers, int? Rate, string? JsonFile, int? TimeoutSeconds, bool Check, bool Keep = false)
{
    /// <summary>The rate limit given to the channel when no --rate is given: far above what the engine reaches.</summary>
    public const int UnlimitedRate = 100_000;

    public const string Usage = """
        Usage:
          dotnet run -c Release --project bench/Piazza.Bench -- broadcast --db sqlite|postgres --subscribers N [--rate R] [--json FILE] [--timeout S] [--check] [--keep]

        Seeds N subscribers of one WhatsApp sandbox channel (every one follows the routine topic, one in ten also the
        civil-protection topic), releases one routine bulletin (it + zh) to all of them through the real workflow and
        engine (releaser, dispatcher, recording adapter), approves an emergency bulletin for the civil-protection topic
        when half the routine messages are sent, waits until both are Sent and checks every delivery.

          --db           sqlite: a new temporary database file, deleted at the end.
                         postgres: ConnectionStrings__Piazza when set, else a throwaway cluster on 127.0.0.1
                         (initdb + pg_ctl from /usr/lib/postgresql/*/bin, fsync=off, synchronous_commit=off,
                         full_page_writes=off, like ./test.sh), stopped and deleted at the end.
          --subscribers  how many subscribers (1 to 20,000,000).
          --rate         the channel's rate limit in messages/s (default: unlimited, i.e. 100000);
                         the result then has the utilization = achieved rate / R.
          --json         also write the result as one JSON object to FILE.
          --timeout      seconds to wait for both bulletins to be sent (default: from N and the rate).
          --check        exit with code 3 when a target is missed (default: only failures give a non-zero code).
          --keep         with ConnectionStrings__Piazza: leave the subscribers and deliveries in that database
                         (default: the benchmark deletes its channel and bulletins, and with them those rows).

        Exit codes: 0 done, 1 the run failed (error, timeout, lost or duplicated messages), 2 bad arguments,
        3 a target was missed (with --check).
        """;

    /// <summary>Parses the arguments after the verb; throws <see cref="ArgumentException"/> with a message for the user.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        BenchDb? db = null;
        int? subscribers = null, rate = null, timeout = null;
        string? json = null;
        var check = false;
        var keep = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{arg} needs a value.");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "--db":
                    var d = Value();
                    db = d.ToLowerInvariant() switch
                    {
                        "sqlite" => BenchDb.Sqlite,
                        "postgres" or "postgresql" => BenchDb.Postgres,
                        _ => throw new ArgumentException($"--db must be sqlite or postgres, not '{d}'."),
                    };
                    break;
                case "--subscribers":
                    subscribers = Positive(arg, Value(), 20_000_000);
                    break;
                case "--rate":
                    rate = Positive(arg, Value(), 1_000_000);
                    break;
                case "--timeout":
                    timeout = Positive(arg, Value(), 86_400);
                    break;
                case "--json":
                    json = Value();
                    break;
                case "--check":
                    check = true;
                    break;
                case "--keep":
                    keep = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{arg}'.");
            }
        }

        if (db is null)
        {
            throw new ArgumentException("--db sqlite|postgres is required.");
        }

        if (subscribers is null)
        {
            throw new ArgumentException("--subscribers N is required.");
        }

        return new BenchOptions(db.Value, subscribers.Value, rate, json, timeout, check, keep);
    }

    private static int Positive(string name, string text, int max)
    {
        var clean = text.Replace("_", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal);
        if (!int.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > max)
        {
            throw new ArgumentException($"{name} must be a whole number from 1 to {max.ToString("N0", CultureInfo.InvariantCulture)}, not '{text}'.");
        }

        return value;
    }
}
