namespace Piazza.Broadcast;

/// <summary>Settings of the broadcast engine (section "Broadcast"). The defaults suit production; tests shorten the times.</summary>
public sealed class BroadcastOptions
{
    public const string Section = "Broadcast";

    /// <summary>Run the releaser and the dispatcher on this node (every node may: they share the work through the database).</summary>
    public bool DispatcherEnabled { get; set; } = true;

    /// <summary>This node's name in channel leases; default machine name and process id.</summary>
    public string? NodeName { get; set; }

    /// <summary>Most deliveries claimed in one statement (outcomes are written up to twice as many at once). Below 8,000
    /// messages a second <see cref="ClaimAhead"/> bounds the claims; above, a channel's pace is one batch per claim round
    /// trip (see docs/performance.md).</summary>
    public int MaxBatch { get; set; } = 1000;

    /// <summary>How much work, at the channel's rate, a channel worker claims ahead of sending: small, so that an
    /// emergency released during a routine broadcast overtakes it at once.</summary>
    public TimeSpan ClaimAhead { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Sends in flight at once per channel (HTTP adapters wait on the network).</summary>
    public int MaxConcurrentSends { get; set; } = 32;

    /// <summary>How often an idle channel worker looks for new work (it is also woken at once by a release on this node).</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the node looks for channels with work and renews its leases.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A channel worker with nothing to do for this long stops and gives up its lease.</summary>
    public TimeSpan WorkerIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a channel lease lasts without renewal: after a node dies, another one takes its channels
    /// (and resends what it had in flight) after at most this long.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the releaser looks for bulletins due (it is also woken at once by an approval on this node).</summary>
    public TimeSpan ReleasePoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A send that takes longer is abandoned and retried.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Transient failures tolerated before a delivery is marked failed.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>First retry delay; each retry doubles it, with jitter, up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RetryMax { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Pause after a rate-limit error that says nothing about when to retry.</summary>
    public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive transient failures that open a channel's circuit (the platform is taken to be down).</summary>
    public int CircuitFailures { get; set; } = 5;

    /// <summary>How long an open circuit waits before one probe; doubles while probes fail, up to <see cref="CircuitBreakMax"/>.</summary>
    public TimeSpan CircuitBreak { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan CircuitBreakMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>On SQLite (one writer at a time), the largest share of the time the dispatch's claims and completions
    /// hold the write lock: after each of them the lock stays free for the rest, so that the console's and the API's
    /// writes (an approval) get in within a few tries of SQLite's busy handler while a broadcast runs at full speed.
    /// 1: no pause.</summary>
    public double SqliteWriteShare { get; set; } = 0.75;

    /// <summary>A subscriber whose last this many messages on their channel all failed for good (the platform could
    /// not deliver them) is marked unreachable: unsubscribed, and recorded in the audit log.</summary>
    public int UnreachableAfter { get; set; } = 3;

    /// <summary>Outcomes are written in batches at least this often.</summary>
    public TimeSpan CompletionFlush { get; set; } = TimeSpan.FromMilliseconds(50);
}
