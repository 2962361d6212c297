using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.Testing;
using Piazza.Data;
using Piazza.Organizations;
using Piazza.Posts;
using Piazza.Server.Hosting;
using Piazza.Topics;

namespace Piazza.Bench;

/// <summary>
/// One broadcast run: the server's own registrations (database, features, broadcast engine) in a host bound to
/// 127.0.0.1:0, every channel sending to the recording adapter; N subscribers seeded with set-based SQL; a routine
/// bulletin through the real workflow, an emergency approved when half of it is sent; then every delivery checked.
/// </summary>
public sealed class BroadcastBench(BenchOptions options, BenchDatabase database)
{
    private readonly BenchActor _admin = new("bench admin");
    private readonly BenchActor _author = new("bench author");
    private readonly BenchActor _translator = new("bench translator");
    private readonly BenchActor _approver = new("bench approver");
    private WebApplication _app = null!;
    private Guid _org;
    private Guid _routineTopic;
    private Guid _civilTopic;
    private Guid _channel;

    private int ChannelRate => options.Rate ?? BenchOptions.UnlimitedRate;

    public async Task<BroadcastResult> RunAsync(DirectoryInfo work, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        _app = BuildHost(work);
        var engine = _app.Services.GetRequiredService<IOptions<BroadcastOptions>>().Value;
        var result = new BroadcastResult
        {
            Db = options.Db == BenchDb.Sqlite ? "sqlite" : "postgres",
            DbSettings = database.Description,
            Subscribers = options.Subscribers,
            Rate = options.Rate,
            ChannelRateLimit = ChannelRate,
            Engine = new Dictionary<string, string>
            {
                ["MaxBatch"] = engine.MaxBatch.ToString(CultureInfo.InvariantCulture),
                ["ClaimAhead"] = engine.ClaimAhead.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms",
                ["MaxConcurrentSends"] = engine.MaxConcurrentSends.ToString(CultureInfo.InvariantCulture),
                ["CompletionFlush"] = engine.CompletionFlush.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms",
            },
            Machine = new Dictionary<string, string>
            {
                ["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
                [".NET"] = Environment.Version.ToString(),
                ["GC"] = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
                ["started (UTC)"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            },
        };

        try
        {
            // Migrates the database, starts the releaser and the dispatcher. The server's welcome goes to stderr:
            // stdout is for the results.
            var stdout = Console.Out;
            Console.SetOut(Console.Error);
            try
            {
                await _app.StartAsync(ct);
            }
            finally
            {
                Console.SetOut(stdout);
            }

            await SetUpAsync(ct);
            var seed = Stopwatch.StartNew();
            await SeedAsync(ct);
            result.SeedSeconds = seed.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"Seeded {options.Subscribers:N0} subscribers in {result.SeedSeconds:0.0} s");
            await BroadcastAsync(result, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            result.Error = e.GetType().Name + ": " + e.Message;
            Console.Error.WriteLine(e);
        }
        finally
        {
            try
            {
                await _app.StopAsync(CancellationToken.None);
                if (!database.Throwaway && !options.Keep && _channel != Guid.Empty)
                {
                    await CleanUpAsync();
                }
            }
            finally
            {
                await _app.DisposeAsync();
            }
        }

        result.PeakRssMb = PeakRssMb();
        result.TotalSeconds = total.Elapsed.TotalSeconds;
        result.Evaluate();
        return result;
    }

    private WebApplication BuildHost(DirectoryInfo work) => BenchHost.Build(database, work);

    // ---------------------------------------------------------------------------------------------- set-up

    private async Task SetUpAsync(CancellationToken ct)
    {
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            var slug = "bench-" + Guid.NewGuid().ToString("N")[..10];
            _org = (await OrganizationService.CreateAsync(db, "Comune del benchmark " + slug, slug, ["it", "zh"], TimeProvider.System, ct)).Id;
        }

        await using (var scope = ActorOverride.ForOrganization(_app.Services, _org, _admin))
        {
            var topics = scope.ServiceProvider.GetRequiredService<TopicService>();
            _routineTopic = (await topics.CreateAsync(new TopicInput("avvisi", new Dictionary<string, string?> { ["it"] = "Avvisi", ["zh"] = "通知" }), ct)).Id;
            _civilTopic = (await topics.CreateAsync(new TopicInput("protezione-civile", new Dictionary<string, string?> { ["it"] = "Protezione civile", ["zh"] = "民防" }), ct)).Id;
            var channels = scope.ServiceProvider.GetRequiredService<ChannelService>();
            _channel = (await channels.CreateAsync(new ChannelInput(
                ChannelKind.WhatsApp, "WhatsApp del benchmark", IsSandbox: true,
                Settings: new Dictionary<string, string?> { ["rateLimit"] = ChannelRate.ToString(CultureInfo.InvariantCulture) }), ct)).Id;
            // Any time, no quiet hours, no monthly cap: the run does not wait for office hours.
            await scope.ServiceProvider.GetRequiredService<SendingPolicyService>().UpdateAsync(new SendingPolicyInput(null, string.Empty, string.Empty), ct);
        }
    }

    /// <summary>N subscribers with set-based SQL: one in three reads Chinese first; everyone follows the routine topic,
    /// one in ten also civil protection. Then ANALYZE (see docs/performance.md on the planner).</summary>
    private async Task SeedAsync(CancellationToken ct)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var store = new DeliveryStore(db);
        var now = DateTime.UtcNow;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var numbers = store.IsPostgres
                ? "FROM generate_series(1, @count) AS g(n)"
                : "FROM (WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < @count) SELECT n FROM g)";
            await ExecuteAsync(store, $"""
                INSERT INTO subscribers (organization_id, channel_id, address, languages, language, status, subscribed_at,
                    consent_at, consent_method, consent_evidence, policy_version, source)
                SELECT @org, @channel, '+39' || CAST(3000000000 + n AS TEXT),
                    CASE WHEN n % 3 = 0 THEN 'zh,it' ELSE 'it' END, CASE WHEN n % 3 = 0 THEN 'zh' ELSE 'it' END, 0, @now,
                    @now, 0, 'ATTIVA ISCRIZIONE', 'bench', 'benchmark'
                {numbers}
                ORDER BY n
                """, ct, ("count", options.Subscribers), ("org", store.Id(_org)), ("channel", store.Id(_channel)), ("now", now));
            await ExecuteAsync(store, """
                INSERT INTO subscriber_topics (subscriber_id, topic_id, organization_id)
                SELECT id, @topic, @org FROM subscribers WHERE channel_id = @channel ORDER BY id
                """, ct, ("topic", store.Id(_routineTopic)), ("org", store.Id(_org)), ("channel", store.Id(_channel)));
            await ExecuteAsync(store, """
                INSERT INTO subscriber_topics (subscriber_id, topic_id, organization_id)
                SELECT id, @topic, @org FROM subscribers WHERE channel_id = @channel AND id % 10 = 1 ORDER BY id
                """, ct, ("topic", store.Id(_civilTopic)), ("org", store.Id(_org)), ("channel", store.Id(_channel)));
            await tx.CommitAsync(ct);
        }

        await ExecuteAsync(store, "ANALYZE", ct);
    }

    // ---------------------------------------------------------------------------------------------- the run

    private async Task BroadcastAsync(BroadcastResult result, CancellationToken ct)
    {
        var releaser = _app.Services.GetRequiredService<Releaser>();
        var recorder = _app.Services.GetRequiredService<RecordingAdapter>();
        var probe = new Probe(options.Subscribers / 2);
        releaser.Released += probe.OnReleased;
        recorder.Accepted += probe.OnAccepted;
        var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds ?? (int)Math.Min(86_400, 300 + (3.0 * options.Subscribers * 1.1 / Math.Min(ChannelRate, 5_000))));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var token = deadline.Token;
        using var progress = new CancellationTokenSource();
        var reporter = ReportProgressAsync(probe, progress.Token);
        var writes = new List<double>();
        var writer = ProbeWritesAsync(probe, writes, progress.Token);
        try
        {
            var routine = await PrepareBulletinAsync(PostPriority.Normal, _routineTopic, "Raccolta differenziata", "Da lunedì cambia il calendario della raccolta.", "垃圾分类", "从星期一起垃圾收集时间表有变化。", token);
            var approveRoutine = Stopwatch.GetTimestamp();
            await ApproveAsync(routine, token);
            var released = await probe.RoutineReleased.WaitAsync(token);
            result.FanoutSeconds = released.Duration.TotalSeconds;
            result.RoutineDeliveries = released.Deliveries;
            result.FanoutRowsPerSecond = released.Deliveries / Math.Max(1e-9, released.Duration.TotalSeconds);
            result.ReleaseLatencySeconds = Stopwatch.GetElapsedTime(approveRoutine, probe.RoutineReleasedAt).TotalSeconds;
            Console.Error.WriteLine($"Routine bulletin released: {released.Deliveries:N0} deliveries in {released.Duration.TotalSeconds:0.000} s");
            var cpuAtRelease = Process.GetCurrentProcess().TotalProcessorTime;
            var allocatedAtRelease = GC.GetTotalAllocatedBytes();
            var gcAtRelease = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2);
            var gen2AtRelease = GC.CollectionCount(2);

            // An emergency during the broadcast: written, translated and reviewed while the routine messages go out,
            // approved when half of them are out (the approval starts the clock).
            var emergency = await PrepareBulletinAsync(PostPriority.Emergency, _civilTopic, "Allerta meteo rossa", "Chiudete le finestre e restate in casa.", "红色气象警报", "请关好窗户，待在家里。", token);
            await probe.HalfSent.WaitAsync(token);
            result.RoutineSentAtEmergency = probe.RoutineCount;
            var approveEmergency = Stopwatch.GetTimestamp();
            await ApproveAsync(emergency, token);
            result.EmergencyApproveMs = Stopwatch.GetElapsedTime(approveEmergency).TotalMilliseconds;
            var emergencyRelease = await probe.EmergencyReleased.WaitAsync(token);
            result.EmergencyDeliveries = emergencyRelease.Deliveries;
            result.EmergencyFanoutSeconds = emergencyRelease.Duration.TotalSeconds;
            result.EmergencyReleaseMs = Stopwatch.GetElapsedTime(approveEmergency, probe.EmergencyReleasedAt).TotalMilliseconds;
            Console.Error.WriteLine($"Emergency approved after {result.RoutineSentAtEmergency:N0} routine messages; released {emergencyRelease.Deliveries:N0} deliveries");

            // Until both bulletins are marked Sent by the releaser.
            var states = await WaitForFinishAsync([routine, emergency], token);
            var finished = Stopwatch.GetTimestamp();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuAtRelease;
            var sentCount = Math.Max(1, probe.RoutineCount + probe.EmergencyCount);
            result.AllocatedBytesPerMessage = (GC.GetTotalAllocatedBytes() - allocatedAtRelease) / (double)sentCount;
            result.GcCollections = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2) - gcAtRelease;
            result.Gen2Collections = GC.CollectionCount(2) - gen2AtRelease;
            result.CpuMicrosecondsPerMessage = cpu.TotalMilliseconds * 1000 / sentCount;
            result.RoutineSent = probe.RoutineCount;
            result.EmergencySent = probe.EmergencyCount;
            result.RoutineState = states[routine].ToString();
            result.EmergencyState = states[emergency].ToString();
            var commit = probe.RoutineReleasedAt;
            result.SentStateSeconds = Stopwatch.GetElapsedTime(commit, finished).TotalSeconds;
            result.FirstSendMs = Stopwatch.GetElapsedTime(commit, probe.FirstRoutine).TotalMilliseconds;
            result.DispatchSeconds = Stopwatch.GetElapsedTime(commit, probe.LastRoutine).TotalSeconds;
            result.DispatchPerSecond = result.RoutineDeliveries / result.DispatchSeconds;
            result.AllDispatchSeconds = Stopwatch.GetElapsedTime(commit, probe.LastAny).TotalSeconds;
            result.AchievedRate = (probe.RoutineCount + probe.EmergencyCount) / result.AllDispatchSeconds;
            result.Utilization = options.Rate is { } r ? result.AchievedRate / r : null;
            result.DispatchCpuCores = cpu.TotalSeconds / Stopwatch.GetElapsedTime(commit, finished).TotalSeconds;
            result.EmergencyFirstSendMs = probe.FirstEmergency == 0 ? null : Stopwatch.GetElapsedTime(approveEmergency, probe.FirstEmergency).TotalMilliseconds;
            result.EmergencyAllSentSeconds = probe.LastEmergency == 0 ? 0 : Stopwatch.GetElapsedTime(approveEmergency, probe.LastEmergency).TotalSeconds;

            await VerifyAsync(result, recorder, [routine, emergency], token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // What the run reached before the deadline: the dispatch rate so far.
            if (probe.RoutineReleasedAt != 0 && probe.LastAny != 0)
            {
                result.RoutineSent = probe.RoutineCount;
                result.EmergencySent = probe.EmergencyCount;
                result.DispatchSeconds = Stopwatch.GetElapsedTime(probe.RoutineReleasedAt, probe.LastRoutine).TotalSeconds;
                result.DispatchPerSecond = probe.RoutineCount / result.DispatchSeconds;
                result.AllDispatchSeconds = Stopwatch.GetElapsedTime(probe.RoutineReleasedAt, probe.LastAny).TotalSeconds;
                result.AchievedRate = (probe.RoutineCount + probe.EmergencyCount) / result.AllDispatchSeconds;
                result.Utilization = options.Rate is { } r ? result.AchievedRate / r : null;
            }

            throw new TimeoutException($"The bulletins were not sent within {timeout.TotalSeconds:0} s "
                + $"({probe.RoutineCount:N0} routine and {probe.EmergencyCount:N0} emergency messages sent); see --timeout.");
        }
        finally
        {
            releaser.Released -= probe.OnReleased;
            recorder.Accepted -= probe.OnAccepted;
            await progress.CancelAsync();
            await reporter;
            await writer;
            if (writes.Count > 0)
            {
                writes.Sort();
                result.OtherWriteP50Ms = writes[writes.Count / 2];
                result.OtherWriteP95Ms = writes[Math.Min(writes.Count - 1, (int)(writes.Count * 0.95))];
                result.OtherWriteMaxMs = writes[^1];
                result.OtherWrites = writes.Count;
            }
        }
    }

    /// <summary>Author writes (it), submits; translator writes and reviews zh. Returns the bulletin waiting for approval.</summary>
    private async Task<Guid> PrepareBulletinAsync(PostPriority priority, Guid topic, string title, string text, string zhTitle, string zhText, CancellationToken ct)
    {
        Guid id;
        await using (var scope = ActorOverride.ForOrganization(_app.Services, _org, _author))
        {
            var posts = scope.ServiceProvider.GetRequiredService<PostService>();
            id = (await posts.CreateAsync(new BulletinInput(topic, priority, PostAudience.TopicSubscribers, [_channel],
                new Dictionary<string, BodyInput> { ["it"] = new(title, text) }), ct)).Id;
            await posts.SubmitAsync(id, ct);
        }

        await using (var scope = ActorOverride.ForOrganization(_app.Services, _org, _translator))
        {
            var posts = scope.ServiceProvider.GetRequiredService<PostService>();
            await posts.SaveBodyAsync(id, "zh", new BodyInput(zhTitle, zhText), ct);
            var view = await posts.ReviewAsync(id, "zh", ct);
            if (view.State != PostState.InReview)
            {
                throw new InvalidOperationException($"The bulletin is {view.State} after the review, not InReview: {string.Join("; ", view.Blockers.SelectMany(b => b.Value))}");
            }
        }

        return id;
    }

    private async Task ApproveAsync(Guid id, CancellationToken ct)
    {
        await using var scope = ActorOverride.ForOrganization(_app.Services, _org, _approver);
        var view = await scope.ServiceProvider.GetRequiredService<PostService>().ApproveAsync(id, new ApprovalInput(), ct);
        if (view.State != PostState.Scheduled)
        {
            throw new InvalidOperationException($"The bulletin is {view.State} after the approval, not Scheduled.");
        }
    }

    private async Task<Dictionary<Guid, PostState>> WaitForFinishAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        while (true)
        {
            await using (var scope = _app.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
                var states = await db.Posts.IgnoreQueryFilters().AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.State, ct);
                if (states.Values.All(s => s is PostState.Sent or PostState.PartlyFailed or PostState.Cancelled))
                {
                    return states;
                }
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>Every delivery of the two bulletins: accepted by the adapter and in state Sent, once.</summary>
    private async Task VerifyAsync(BroadcastResult result, RecordingAdapter recorder, IReadOnlyList<Guid> posts, CancellationToken ct)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var store = new DeliveryStore(scope.ServiceProvider.GetRequiredService<PiazzaDb>());
        long rows = 0, notAccepted = 0, notSent = 0, lost = 0, accepted = 0;
        foreach (var post in posts)
        {
            await using var cmd = await store.CommandAsync(ct);
            cmd.CommandText = "SELECT id, state FROM deliveries WHERE post_id = @post";
            DeliveryStore.Add(cmd, "post", store.Id(post));
            cmd.CommandTimeout = 600;
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows++;
                var times = recorder.TimesSent(reader.GetInt64(0));
                var sent = reader.GetInt32(1) == (int)DeliveryState.Sent;
                accepted += times;
                notAccepted += times == 0 ? 1 : 0;
                notSent += sent ? 0 : 1;
                lost += times == 0 || !sent ? 1 : 0;
            }
        }

        result.Deliveries = rows;
        result.NotAccepted = notAccepted;
        result.NotInStateSent = notSent;
        result.Lost = lost;
        result.Duplicates = recorder.Duplicates;
        result.Accepted = recorder.AcceptedCount;
        if (accepted != recorder.AcceptedCount)
        {
            Console.Error.WriteLine($"Note: the adapter accepted {recorder.AcceptedCount:N0} messages, {accepted:N0} of them for the two bulletins.");
        }
    }

    /// <summary>While the routine bulletin is dispatched, a small write every 200 ms through EF, as the console or the
    /// API would write (on SQLite it competes with the engine for the one write lock): their latencies, in ms.</summary>
    private async Task ProbeWritesAsync(Probe probe, List<double> latencies, CancellationToken ct)
    {
        try
        {
            while (probe.RoutineReleasedAt == 0 || probe.FirstRoutine == 0)
            {
                await Task.Delay(50, ct);
            }

            while (probe.RoutineCount < options.Subscribers)
            {
                await Task.Delay(200, ct);
                await using var scope = _app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
                var started = Stopwatch.GetTimestamp();
                await db.Organizations.IgnoreQueryFilters().Where(o => o.Id == _org)
                    .ExecuteUpdateAsync(u => u.SetProperty(o => o.Population, o => o.Population), ct);
                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReportProgressAsync(Probe probe, CancellationToken ct)
    {
        long last = 0;
        var at = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(5000, ct);
                var now = Stopwatch.GetTimestamp();
                var sent = probe.RoutineCount + probe.EmergencyCount;
                var rate = (sent - last) / Stopwatch.GetElapsedTime(at, now).TotalSeconds;
                if (sent > 0)
                {
                    Console.Error.WriteLine($"  {probe.RoutineCount:N0} routine + {probe.EmergencyCount:N0} emergency messages sent, {rate:N0}/s in the last 5 s, RSS {CurrentRssMb():0} MB");
                }

                (last, at) = (sent, now);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>An external database keeps only the small rows of the run: the channel goes, and with it (cascade)
    /// its subscribers and deliveries; then the bulletins.</summary>
    private async Task CleanUpAsync()
    {
        try
        {
            await using var scope = _app.Services.CreateAsyncScope();
            var store = new DeliveryStore(scope.ServiceProvider.GetRequiredService<PiazzaDb>());
            await ExecuteAsync(store, "DELETE FROM channels WHERE id = @channel", CancellationToken.None, ("channel", store.Id(_channel)));
            await ExecuteAsync(store, "DELETE FROM posts WHERE organization_id = @org", CancellationToken.None, ("org", store.Id(_org)));
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"Could not delete the benchmark's rows: {e.Message}");
        }
    }

    private static async Task ExecuteAsync(DeliveryStore store, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using DbCommand cmd = await store.CommandAsync(ct);
        cmd.CommandText = sql;
        cmd.CommandTimeout = 3600;
        foreach (var (name, value) in parameters)
        {
            DeliveryStore.Add(cmd, name, value);
        }

        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static double PeakRssMb() => StatusKb("VmHWM:") / 1024.0;

    public static double CurrentRssMb() => StatusKb("VmRSS:") / 1024.0;

    private static long StatusKb(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
