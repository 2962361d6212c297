using System.Collections.Concurrent;

namespace Piazza.Broadcast;

/// <summary>
/// Wake-ups inside one node: an approval wakes the releaser, a release wakes the dispatcher and the workers of the
/// channels it wrote to. Other nodes find the same work by polling the database (every second by default), so the
/// signals only make the common case — one node, or the node that approved — immediate.
/// </summary>
public sealed class BroadcastSignals : IDisposable
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _channels = new();
    private readonly SemaphoreSlim _release = new(0, 1);
    private readonly SemaphoreSlim _dispatch = new(0, 1);
    private readonly SemaphoreSlim _finished = new(0, 1);
    private int _holds;

    /// <summary>A bulletin was approved or scheduled: the releaser should look now.</summary>
    public void ReleaseRequested() => Set(_release);

    /// <summary>Deliveries were written for these channels.</summary>
    public void WorkArrived(IEnumerable<Guid> channelIds)
    {
        foreach (var id in channelIds)
        {
            Set(_channels.GetOrAdd(id, _ => new SemaphoreSlim(0, 1)));
        }

        Set(_dispatch);
    }

    /// <summary>True while an emergency is being released on this node: routine claims wait for it.</summary>
    public bool RoutineHeld => Volatile.Read(ref _holds) > 0;

    /// <summary>Holds routine claims on this node until disposed (an emergency's release).</summary>
    public IDisposable HoldRoutine()
    {
        Interlocked.Increment(ref _holds);
        return new Hold(this);
    }

    /// <summary>Some deliveries ended: the releaser may mark bulletins sent.</summary>
    public void DeliveriesFinished() => Set(_finished);

    public Task WaitForReleaseAsync(TimeSpan max, TimeProvider time, CancellationToken ct) => WaitAsync(_release, max, time, ct);

    public Task WaitForDispatchAsync(TimeSpan max, TimeProvider time, CancellationToken ct) => WaitAsync(_dispatch, max, time, ct);

    public Task WaitForWorkAsync(Guid channelId, TimeSpan max, TimeProvider time, CancellationToken ct) =>
        WaitAsync(_channels.GetOrAdd(channelId, _ => new SemaphoreSlim(0, 1)), max, time, ct);

    /// <summary>Consumes a pending wake-up of a channel's worker; true when there was one.</summary>
    public bool TakeWake(Guid channelId) => _channels.GetOrAdd(channelId, _ => new SemaphoreSlim(0, 1)).Wait(0);

    /// <summary>Consumes a pending "deliveries finished" signal; true when there was one.</summary>
    public bool TakeFinished() => _finished.Wait(0);

    public void Dispose()
    {
        _release.Dispose();
        _dispatch.Dispose();
        _finished.Dispose();
        foreach (var s in _channels.Values)
        {
            s.Dispose();
        }
    }

    private static void Set(SemaphoreSlim s)
    {
        try
        {
            if (s.CurrentCount == 0)
            {
                s.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // already set by another thread
        }
    }

    private static async Task WaitAsync(SemaphoreSlim s, TimeSpan max, TimeProvider time, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(max, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await s.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // the time is up
        }
    }

    private sealed class Hold(BroadcastSignals signals) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref signals._holds);
            }
        }
    }
}
