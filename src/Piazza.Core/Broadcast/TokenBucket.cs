namespace Piazza.Broadcast;

/// <summary>
/// Keeps a channel at its platform's rate: <see cref="WaitAsync"/> returns when the next message may leave. Each
/// caller reserves the next slot (1/rate apart), so concurrent senders are paced exactly; idle time lets up to
/// <c>burst</c> messages leave at once. Written on <see cref="TimeProvider"/> (the framework's TokenBucketRateLimiter
/// reads the system clock, so tests could not control it).
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly object _lock = new();
    private double _interval;
    private double _burstWindow;
    private double _next;

    public TokenBucket(double ratePerSecond, TimeProvider time, int burst = 1)
    {
        _time = time;
        _origin = time.GetTimestamp();
        SetRate(ratePerSecond, burst);
        _next = Now();
    }

    public double RatePerSecond => 1 / _interval;

    /// <summary>Changes the rate (the channel's settings were edited).</summary>
    public void SetRate(double ratePerSecond, int burst = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        lock (_lock)
        {
            _interval = 1 / ratePerSecond;
            _burstWindow = Math.Max(0, burst - 1) * _interval;
        }
    }

    /// <summary>Nothing may leave before <paramref name="until"/> (a platform said "retry after").</summary>
    public void PauseUntil(DateTimeOffset until)
    {
        lock (_lock)
        {
            var t = (until - _time.GetUtcNow()).TotalSeconds + Now();
            _next = Math.Max(_next, t);
        }
    }

    /// <summary>Waits for the next slot. Timers have millisecond resolution, so above 1,000 messages a second a
    /// message may leave up to a millisecond early; the schedule itself never drifts, so the rate over any second holds.</summary>
    public ValueTask WaitAsync(CancellationToken ct)
    {
        double wait;
        lock (_lock)
        {
            var now = Now();
            var slot = Math.Max(_next, now - _burstWindow);
            _next = slot + _interval;
            wait = slot - now;
        }

        return wait <= 0 ? ValueTask.CompletedTask : new ValueTask(Task.Delay(TimeSpan.FromSeconds(wait), _time, ct));
    }

    /// <summary>Seconds since the bucket was made (small numbers keep the arithmetic exact to the microsecond).</summary>
    private double Now() => (_time.GetTimestamp() - _origin) / (double)_time.TimestampFrequency;
}
