using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Piazza.Bench;

/// <summary>What one run measured. Serialized as one JSON object with snake_case names.</summary>
public sealed class BroadcastResult
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string Benchmark { get; init; } = "broadcast";

    public required string Db { get; init; }

    /// <summary>The database and its settings (version, durability).</summary>
    public required string DbSettings { get; init; }

    public required int Subscribers { get; init; }

    /// <summary>The channel's rate limit given with --rate; null for an unlimited run.</summary>
    public int? Rate { get; init; }

    /// <summary>The rate limit the channel actually had (100000 when unlimited).</summary>
    public required int ChannelRateLimit { get; init; }

    /// <summary>Deliveries of both bulletins (routine + emergency).</summary>
    public long Deliveries { get; set; }

    public long RoutineDeliveries { get; set; }

    public long EmergencyDeliveries { get; set; }

    public double SeedSeconds { get; set; }

    /// <summary>The routine release transaction (set-based fan-out included), from the releaser's Released event.</summary>
    public double FanoutSeconds { get; set; }

    public double FanoutRowsPerSecond { get; set; }

    public double EmergencyFanoutSeconds { get; set; }

    /// <summary>From the routine approval to the release commit.</summary>
    public double ReleaseLatencySeconds { get; set; }

    /// <summary>From the release commit to the first routine message.</summary>
    public double FirstSendMs { get; set; }

    /// <summary>From the routine release commit to the last routine message.</summary>
    public double DispatchSeconds { get; set; }

    /// <summary>Routine deliveries ÷ <see cref="DispatchSeconds"/>.</summary>
    public double DispatchPerSecond { get; set; }

    /// <summary>From the routine release commit to the last message of either bulletin.</summary>
    public double AllDispatchSeconds { get; set; }

    /// <summary>All messages (routine + emergency) ÷ <see cref="AllDispatchSeconds"/>: the channel's achieved rate.</summary>
    public double AchievedRate { get; set; }

    /// <summary>With --rate: <see cref="AchievedRate"/> ÷ R.</summary>
    public double? Utilization { get; set; }

    /// <summary>This process's CPU time during the dispatch ÷ its wall time (2.0 = both cores busy).</summary>
    public double DispatchCpuCores { get; set; }

    /// <summary>This process's CPU time during the dispatch per message sent (engine, adapter, and on SQLite the database).</summary>
    public double CpuMicrosecondsPerMessage { get; set; }

    /// <summary>Managed memory allocated during the dispatch per message sent.</summary>
    public double AllocatedBytesPerMessage { get; set; }

    /// <summary>Garbage collections during the dispatch (all generations), and of generation 2.</summary>
    public int GcCollections { get; set; }

    public int Gen2Collections { get; set; }

    /// <summary>Peak resident set of this process (VmHWM): host, engine and benchmark; the PostgreSQL server's own
    /// processes are not included.</summary>
    public double PeakRssMb { get; set; }

    /// <summary>From the start of the emergency's approve call to the first emergency message accepted.</summary>
    public double? EmergencyFirstSendMs { get; set; }

    /// <summary>The approve call alone.</summary>
    public double EmergencyApproveMs { get; set; }

    /// <summary>From the start of the approve call to the emergency's release commit.</summary>
    public double EmergencyReleaseMs { get; set; }

    /// <summary>From the start of the approve call to the last emergency message.</summary>
    public double EmergencyAllSentSeconds { get; set; }

    /// <summary>Routine messages sent before the emergency's approve call.</summary>
    public long RoutineSentAtEmergency { get; set; }

    /// <summary>During the routine dispatch, a one-row UPDATE through EF every 200 ms (what the console or the API writes
    /// meanwhile): median, 95th percentile and slowest, in ms, and how many.</summary>
    public double OtherWriteP50Ms { get; set; }

    public double OtherWriteP95Ms { get; set; }

    public double OtherWriteMaxMs { get; set; }

    public int OtherWrites { get; set; }

    /// <summary>Deliveries of the two bulletins not accepted by the adapter or not in state Sent (each counted once).</summary>
    public long Lost { get; set; }

    public long NotAccepted { get; set; }

    public long NotInStateSent { get; set; }

    /// <summary>Extra acceptances of a delivery already accepted (the recording adapter counts per delivery).</summary>
    public long Duplicates { get; set; }

    /// <summary>Routine messages the adapter accepted (counted as they are sent; also when the run times out).</summary>
    public long RoutineSent { get; set; }

    public long EmergencySent { get; set; }

    /// <summary>Messages the adapter accepted in all.</summary>
    public long Accepted { get; set; }

    /// <summary>From the routine release commit until both bulletins were marked Sent.</summary>
    public double SentStateSeconds { get; set; }

    public string RoutineState { get; set; } = string.Empty;

    public string EmergencyState { get; set; } = string.Empty;

    public double TotalSeconds { get; set; }

    /// <summary>The engine's settings during the run.</summary>
    public Dictionary<string, string> Engine { get; init; } = [];

    public Dictionary<string, string> Machine { get; init; } = [];

    /// <summary>Each target: met, missed, or not measured by this run.</summary>
    public Dictionary<string, string> Targets { get; set; } = [];

    public string? Error { get; set; }

    public bool Failed => Error is not null || Lost > 0 || Duplicates > 0;

    public bool TargetMissed => Targets.Values.Any(v => v.StartsWith("missed", StringComparison.Ordinal));

    /// <summary>Compares the figures with the targets of issue 3.</summary>
    public void Evaluate()
    {
        string Verdict(bool ok, string figure) => (ok ? "met: " : "missed: ") + figure;
        Targets = new Dictionary<string, string>
        {
            ["fanout 1,000,000 in <= 10 s (>= 100,000 rows/s)"] = FanoutSeconds > 0
                ? Verdict(FanoutRowsPerSecond >= 100_000, F(FanoutRowsPerSecond, "N0") + " rows/s" + (Subscribers < 1_000_000 ? " (run with 1,000,000 subscribers for the target itself)" : string.Empty))
                : "not measured",
            ["dispatch >= 20,000 messages/s"] = Rate is null
                ? Verdict(DispatchPerSecond >= 20_000, F(DispatchPerSecond, "N0") + "/s" + (Error is null ? string.Empty : " (before the run failed)"))
                : "not measured (rate-limited run)",
            ["utilization >= 0.98 at R = 1000"] = Utilization is { } u
                ? Verdict(u >= 0.98, F(u, "0.000") + (Rate == 1000 ? string.Empty : $" at R = {Rate}"))
                : "not measured (run with --rate 1000)",
            ["peak RSS <= 300 MB"] = Verdict(PeakRssMb <= 300, F(PeakRssMb, "0") + " MB"),
            ["emergency first send <= 1,000 ms"] = EmergencyFirstSendMs is { } e
                ? Verdict(e <= 1000, F(e, "0") + " ms")
                : "missed: no emergency message was sent",
            ["lost = 0"] = Error is null ? Verdict(Lost == 0, Lost.ToString(CultureInfo.InvariantCulture)) : "missed: the run failed before the check",
            ["duplicates = 0"] = Error is null ? Verdict(Duplicates == 0, Duplicates.ToString(CultureInfo.InvariantCulture)) : "missed: the run failed before the check",
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToTable()
    {
        var rows = new List<(string, string)>
        {
            ("database", DbSettings),
            ("subscribers", F(Subscribers, "N0")),
            ("channel rate limit", Rate is null ? $"unlimited ({F(ChannelRateLimit, "N0")}/s)" : $"{F(ChannelRateLimit, "N0")}/s"),
            ("deliveries (routine + emergency)", $"{F(Deliveries, "N0")} ({F(RoutineDeliveries, "N0")} + {F(EmergencyDeliveries, "N0")})"),
            ("seeding subscribers", F(SeedSeconds, "0.00") + " s"),
            ("fan-out (release transaction)", $"{F(FanoutSeconds, "0.000")} s ({F(FanoutRowsPerSecond, "N0")} rows/s)"),
            ("approval to release commit", F(ReleaseLatencySeconds, "0.000") + " s"),
            ("release commit to first send", F(FirstSendMs, "0") + " ms"),
            ("dispatch (routine)", $"{F(DispatchSeconds, "0.00")} s, {F(DispatchPerSecond, "N0")} messages/s ({F(RoutineSent, "N0")} sent)"),
            ("dispatch (all messages)", $"{F(AllDispatchSeconds, "0.00")} s, achieved rate {F(AchievedRate, "N0")}/s"),
            ("utilization (achieved / R)", Utilization is { } u ? F(u, "0.000") : "-"),
            ("process CPU during dispatch", $"{F(DispatchCpuCores, "0.00")} cores, {F(CpuMicrosecondsPerMessage, "0.0")} µs a message"),
            ("allocations during dispatch", $"{F(AllocatedBytesPerMessage, "N0")} bytes a message, {GcCollections} GCs ({Gen2Collections} gen 2)"),
            ("peak RSS (VmHWM)", F(PeakRssMb, "0") + " MB"),
            ("other writes during dispatch", $"p50 {F(OtherWriteP50Ms, "0")} ms, p95 {F(OtherWriteP95Ms, "0")} ms, max {F(OtherWriteMaxMs, "0")} ms ({OtherWrites} one-row UPDATEs)"),
            ("emergency: approve call", F(EmergencyApproveMs, "0") + " ms"),
            ("emergency: approve to release commit", $"{F(EmergencyReleaseMs, "0")} ms (fan-out {F(EmergencyFanoutSeconds * 1000, "0")} ms)"),
            ("emergency: approve to first send", EmergencyFirstSendMs is { } e ? F(e, "0") + " ms" : "-"),
            ("emergency: approve to last send", F(EmergencyAllSentSeconds, "0.00") + " s" + $" (routine sent before: {F(RoutineSentAtEmergency, "N0")})"),
            ("release to both bulletins Sent", $"{F(SentStateSeconds, "0.00")} s ({RoutineState}, {EmergencyState})"),
            ("accepted by the adapter", F(Accepted, "N0")),
            ("lost (not accepted / not Sent)", $"{F(Lost, "N0")} ({F(NotAccepted, "N0")} / {F(NotInStateSent, "N0")})"),
            ("duplicates", F(Duplicates, "N0")),
            ("total run", F(TotalSeconds, "0.0") + " s"),
        };
        rows.AddRange(Engine.Select(e => ("engine " + e.Key, e.Value)));
        rows.AddRange(Machine.Select(m => (m.Key, m.Value)));
        if (Error is not null)
        {
            rows.Add(("ERROR", Error));
        }

        var width = Math.Max(rows.Max(r => r.Item1.Length), Targets.Keys.DefaultIfEmpty(string.Empty).Max(k => k!.Length));
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Broadcast benchmark ({Db})");
        foreach (var (k, v) in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {k.PadRight(width)}  {v}");
        }

        sb.AppendLine();
        sb.AppendLine("Targets");
        foreach (var (k, v) in Targets)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {k.PadRight(width)}  {v}");
        }

        return sb.ToString();
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
