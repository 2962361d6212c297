using System.Diagnostics;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Posts;

namespace Piazza.Bench;

/// <summary>Watches the engine from inside the process: the releaser's <see cref="Releaser.Released"/> event (fan-out
/// time, release commit) and every message the recording adapter accepts (cheap: a few interlocked operations, since
/// it runs for each of a million messages on the senders' threads). Times are <see cref="Stopwatch"/> timestamps.</summary>
public sealed class Probe
{
    private readonly TaskCompletionSource<ReleaseResult> _routineReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ReleaseResult> _emergencyReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _half = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _halfCount;
    private long _routineReleasedAt;
    private long _emergencyReleasedAt;
    private long _routine;
    private long _emergency;
    private long _firstRoutine;
    private long _lastRoutine;
    private long _firstEmergency;
    private long _lastEmergency;
    private long _lastAny;

    public Probe(long halfCount) => _halfCount = Math.Max(1, halfCount);

    public Task<ReleaseResult> RoutineReleased => _routineReleased.Task;

    public Task<ReleaseResult> EmergencyReleased => _emergencyReleased.Task;

    /// <summary>Completes when half the routine messages were accepted.</summary>
    public Task HalfSent => _half.Task;

    public long RoutineReleasedAt => Volatile.Read(ref _routineReleasedAt);

    public long EmergencyReleasedAt => Volatile.Read(ref _emergencyReleasedAt);

    public long RoutineCount => Interlocked.Read(ref _routine);

    public long EmergencyCount => Interlocked.Read(ref _emergency);

    public long FirstRoutine => Interlocked.Read(ref _firstRoutine);

    public long LastRoutine => Interlocked.Read(ref _lastRoutine);

    public long FirstEmergency => Interlocked.Read(ref _firstEmergency);

    public long LastEmergency => Interlocked.Read(ref _lastEmergency);

    public long LastAny => Interlocked.Read(ref _lastAny);

    public void OnReleased(ReleaseResult result)
    {
        var now = Stopwatch.GetTimestamp();
        if (result.Priority == PostPriority.Emergency)
        {
            Volatile.Write(ref _emergencyReleasedAt, now);
            _emergencyReleased.TrySetResult(result);
        }
        else
        {
            Volatile.Write(ref _routineReleasedAt, now);
            _routineReleased.TrySetResult(result);
        }
    }

    public void OnAccepted(OutboundMessage message)
    {
        var now = Stopwatch.GetTimestamp();
        if (message.Priority == PostPriority.Emergency)
        {
            Interlocked.CompareExchange(ref _firstEmergency, now, 0);
            Interlocked.Increment(ref _emergency);
            Max(ref _lastEmergency, now);
        }
        else
        {
            Interlocked.CompareExchange(ref _firstRoutine, now, 0);
            if (Interlocked.Increment(ref _routine) == _halfCount)
            {
                _half.TrySetResult();
            }

            Max(ref _lastRoutine, now);
        }

        Max(ref _lastAny, now);
    }

    private static void Max(ref long field, long value)
    {
        var current = Interlocked.Read(ref field);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref field, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
