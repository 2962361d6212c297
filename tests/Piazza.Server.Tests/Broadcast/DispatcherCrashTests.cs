using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Piazza.Broadcast;
using Piazza.Server.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>A server that only prepares data: its own releaser and dispatcher are off, so the bulletins it approves
/// are sent by another process (the real server binary).</summary>
public sealed class PreparingFactory : BroadcastFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Broadcast:DispatcherEnabled", "false");
    }
}

/// <summary>
/// The real server binary sends a broadcast, is killed with SIGKILL in the middle of it, and is started again: every
/// delivery ends sent, none is lost, and no more are sent twice than were in flight when it died. What the process
/// sent is counted from the recording adapter's log file, which survives the kill.
/// </summary>
public sealed class DispatcherCrashTests(PreparingFactory factory, ITestOutputHelper output) : IClassFixture<PreparingFactory>
{
    [Fact]
    public async Task Killing_the_dispatching_process_loses_nothing_and_resends_at_most_what_was_in_flight()
    {
        var n = await factory.NewsroomAsync(subscribers: 3000, settings: new() { ["rateLimit"] = "400" });
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id); // due now; released by the server process below
        var log = Path.Combine(Path.GetTempPath(), "piazza-tests", $"sent-{Guid.NewGuid():N}.log");

        using (var first = StartServer(log))
        {
            await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(Lines(log).Count >= 600), 60, "600 messages sent by the first process");
            first.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no lease given back
            await first.WaitForExitAsync();
        }

        var sentBeforeKill = Lines(log).Count;
        List<Delivery> atKill;
        await using (var db = factory.Database.CreateContext())
        {
            atKill = await db.Deliveries.IgnoreQueryFilters().AsNoTracking().Where(d => d.PostId == id).ToListAsync();
        }

        var inFlight = atKill.Count(d => d.State == DeliveryState.Sending);
        var queued = atKill.Count(d => d.State == DeliveryState.Queued);
        output.WriteLine($"at the kill: {sentBeforeKill} sent (log), {atKill.Count(d => d.State == DeliveryState.Sent)} recorded sent, {inFlight} in flight, {queued} queued");
        Assert.True(queued > 0, "the broadcast had not finished when the process was killed");

        using (var second = StartServer(log))
        {
            try
            {
                await BroadcastFactory.WaitForStateAsync(n, id, 90, "Sent");
            }
            finally
            {
                second.Kill(entireProcessTree: true);
                await second.WaitForExitAsync();
            }
        }

        await using (var db = factory.Database.CreateContext())
        {
            var deliveries = await db.Deliveries.IgnoreQueryFilters().AsNoTracking().Where(d => d.PostId == id).ToListAsync();
            Assert.Equal(3000, deliveries.Count);
            Assert.All(deliveries, d => Assert.Equal(DeliveryState.Sent, d.State));
            var sends = Lines(log).GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
            var missing = deliveries.Where(d => !sends.ContainsKey(d.Id)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} deliveries marked sent were never sent");
            var duplicates = sends.Values.Sum(c => c - 1);
            output.WriteLine($"after the restart: {sends.Count} deliveries sent, {duplicates} sent twice, {inFlight} were in flight at the kill");
            Assert.True(duplicates <= inFlight, $"{duplicates} sent twice, more than the {inFlight} in flight at the kill");
        }

        File.Delete(log);
    }

    private Process StartServer(string log)
    {
        var start = ServerBinary.StartInfo("--urls", "http://127.0.0.1:0");
        var settings = new Dictionary<string, string>
        {
            ["Database__Provider"] = factory.Database.Provider,
            ["ConnectionStrings__Piazza"] = factory.Database.ConnectionString,
            ["Security__MasterKeyFile"] = factory.Database.MasterKeyFile,
            ["Database__SeedDemoOnStart"] = "false",
            ["Broadcast__Adapters__RecordAll"] = "true",
            ["Broadcast__Recording__LogFile"] = log,
            ["Broadcast__Recording__KeepMessages"] = "0",
            ["Broadcast__LeaseDuration"] = "00:00:03",
            ["Broadcast__ScanInterval"] = "00:00:00.200",
            ["Broadcast__ReleasePoll"] = "00:00:00.200",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Log(string? line)
    {
        if (!string.IsNullOrWhiteSpace(line))
        {
            try
            {
                output.WriteLine("server: " + line);
            }
            catch (InvalidOperationException)
            {
                // the test has ended
            }
        }
    }

    private static List<long> Lines(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var ids = new List<long>();
        while (reader.ReadLine() is { } line)
        {
            // The last line may be cut by the kill.
            if (long.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }
}
