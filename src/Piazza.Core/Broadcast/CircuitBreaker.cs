namespace Piazza.Broadcast;

/// <summary>
/// A channel's circuit: after <c>failures</c> transient failures in a row the platform is taken to be down and the
/// channel stops claiming work until the break ends; then one delivery is sent as a probe. Success closes the circuit;
/// failure opens it again for twice as long (up to a maximum). Written for the dispatcher's claim loop, which must know
/// how much to claim (nothing, one probe, or a full batch) rather than wrap single calls.
/// </summary>
public sealed class CircuitBreaker(TimeProvider time, int failures, TimeSpan breakDuration, TimeSpan maxBreak)
{
    private readonly object _lock = new();
    private int _consecutive;
    private readonly TimeSpan _break = breakDuration;
    private TimeSpan _currentBreak = breakDuration;
    private DateTimeOffset _openUntil = DateTimeOffset.MinValue;
    private bool _open;
    private bool _probeOut;

    public enum Status
    {
        Closed,
        Open,
        HalfOpen,
    }

    public Status State
    {
        get
        {
            lock (_lock)
            {
                return !_open ? Status.Closed : time.GetUtcNow() < _openUntil ? Status.Open : Status.HalfOpen;
            }
        }
    }

    /// <summary>When an open circuit lets a probe through.</summary>
    public DateTimeOffset OpenUntil
    {
        get
        {
            lock (_lock)
            {
                return _openUntil;
            }
        }
    }

    /// <summary>How many deliveries may be claimed now: all (int.MaxValue), one probe, or none.</summary>
    public int Allowance()
    {
        lock (_lock)
        {
            if (!_open)
            {
                return int.MaxValue;
            }

            if (time.GetUtcNow() < _openUntil || _probeOut)
            {
                return 0;
            }

            _probeOut = true;
            return 1;
        }
    }

    /// <summary>True when a send may go now (the circuit is closed, or this is the probe).</summary>
    public bool AllowsSend()
    {
        lock (_lock)
        {
            return !_open || (_probeOut && time.GetUtcNow() >= _openUntil);
        }
    }

    public void OnSuccess()
    {
        lock (_lock)
        {
            _consecutive = 0;
            _open = false;
            _probeOut = false;
            _currentBreak = _break;
        }
    }

    /// <summary>A transient failure. Returns true when it opened the circuit.</summary>
    public bool OnFailure()
    {
        lock (_lock)
        {
            _consecutive++;
            if (_open && _probeOut)
            {
                // The probe failed: stay open, for longer.
                _currentBreak = TimeSpan.FromTicks(Math.Min(maxBreak.Ticks, _currentBreak.Ticks * 2));
                _openUntil = time.GetUtcNow() + _currentBreak;
                _probeOut = false;
                return true;
            }

            if (!_open && _consecutive >= failures)
            {
                _open = true;
                _openUntil = time.GetUtcNow() + _currentBreak;
                return true;
            }

            return false;
        }
    }

    /// <summary>A probe that was claimed but not tried (the batch was given back): let another one through.</summary>
    public void ProbeNotSent()
    {
        lock (_lock)
        {
            _probeOut = false;
        }
    }
}
