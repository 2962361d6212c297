using System.Globalization;
using System.Text.Json;

namespace Piazza.Bench;

/// <summary><c>webhook --db sqlite|postgres [--messages N] [--rate R] [--json FILE]</c>: see <see cref="WebhookBench"/>.</summary>
public static class WebhookVerb
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public const string Usage = """
        dotnet run -c Release --project bench/Piazza.Bench -- webhook --db sqlite|postgres [--messages N] [--rate R] [--json FILE]
          N messages already sent (default 30000) receive Meta's three status callbacks each, posted signed to the
          WhatsApp webhook at R requests a second (default 3000: a 1,000 message/s broadcast).
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        string? db = null, json = null;
        int messages = 30_000, rate = 3_000;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--db" when value is "sqlite" or "postgres":
                    db = value;
                    i++;
                    break;
                case "--messages" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0:
                    messages = n;
                    i++;
                    break;
                case "--rate" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r > 0:
                    rate = r;
                    i++;
                    break;
                case "--json" when value is not null:
                    json = value;
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync($"Not understood: '{args[i]}'.\n\n{Usage}");
                    return 2;
            }
        }

        if (db is null)
        {
            await Console.Error.WriteLineAsync($"--db sqlite|postgres is required.\n\n{Usage}");
            return 2;
        }

        var work = Directory.CreateTempSubdirectory("piazza-bench.");
        try
        {
            await using var database = await BenchDatabase.CreateAsync(db == "sqlite" ? BenchDb.Sqlite : BenchDb.Postgres, CancellationToken.None);
            await Console.Error.WriteLineAsync($"Database: {database.Description}");
            var result = await new WebhookBench(messages, rate, database).RunAsync(work, CancellationToken.None);
            Console.WriteLine("Webhook benchmark");
            foreach (var (key, value) in result)
            {
                Console.WriteLine($"  {key,-34} {(value is double d ? d.ToString("0.###", CultureInfo.InvariantCulture) : value)}");
            }

            if (json is not null)
            {
                await File.WriteAllTextAsync(json, JsonSerializer.Serialize(result, Indented) + "\n");
                Console.WriteLine($"JSON written to {Path.GetFullPath(json)}");
            }

            return result["all_applied"] is true && result["failed_requests"] is 0 ? 0 : 1;
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
