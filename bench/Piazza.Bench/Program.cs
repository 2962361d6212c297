using System.Runtime.InteropServices;
using Piazza.Bench;

// Piazza's benchmarks: `broadcast` (issue 3) and `webhook` (issue 4). See BenchOptions.Usage.
if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(BenchOptions.Usage);
    return args.Length == 0 ? 2 : 0;
}

if (args[0] == "webhook")
{
    return await WebhookVerb.RunAsync(args[1..]);
}

if (args[0] != "broadcast")
{
    await Console.Error.WriteLineAsync($"Unknown benchmark '{args[0]}'.\n\n{BenchOptions.Usage}");
    return 2;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args[1..]);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"{e.Message}\n\n{BenchOptions.Usage}");
    return 2;
}

// Ctrl+C / SIGTERM: stop the run and still clean up (the throwaway cluster, the temporary files).
using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    if (!stop.IsCancellationRequested)
    {
        Console.Error.WriteLine($"{context.Signal}: stopping and cleaning up…");
        stop.Cancel();
    }
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigquit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);

var work = Directory.CreateTempSubdirectory("piazza-bench.");
BroadcastResult result;
try
{
    await using var database = await BenchDatabase.CreateAsync(options.Db, stop.Token);
    if (database is PostgresBenchDatabase pg)
    {
        await pg.DescribeAsync(stop.Token);
    }

    Console.Error.WriteLine($"Database: {database.Description}");
    result = await new BroadcastBench(options, database).RunAsync(work, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("Interrupted: nothing measured.");
    return 130;
}
catch (Exception e)
{
    await Console.Error.WriteLineAsync("The benchmark could not run: " + e.Message);
    return 1;
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

if (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("Interrupted: the figures are incomplete.");
    return 130;
}

Console.WriteLine(result.ToTable());
if (options.JsonFile is { } file)
{
    await File.WriteAllTextAsync(file, result.ToJson() + "\n");
    Console.WriteLine($"JSON written to {Path.GetFullPath(file)}");
}

return result.Failed ? 1 : options.Check && result.TargetMissed ? 3 : 0;
