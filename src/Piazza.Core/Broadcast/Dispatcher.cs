using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Piazza.Broadcast;

/// <summary>
/// The dispatcher of one node. Every scan it renews the leases of the channels it sends for, and takes the lease of
/// any channel with work that no live node holds (a node that died loses its channels when their leases expire; the
/// new holder sends again what the dead one had in flight). One <see cref="ChannelWorker"/> runs per held channel.
/// Works the same with one node on SQLite and with several nodes on one PostgreSQL database.
/// </summary>
public sealed class Dispatcher(WorkerServices services, IOptions<BroadcastOptions> options, ILogger<Dispatcher> logger) : BackgroundService
{
    private readonly Dictionary<Guid, (ChannelWorker Worker, Task Task, CancellationTokenSource Stop)> _workers = [];
    private readonly Dictionary<Guid, ChannelWorker> _pumps = [];
    private EngineDb? _db;

    /// <summary>This node's name in the channel leases.</summary>
    public string Node { get; } = options.Value.NodeName is { Length: > 0 } name ? name : $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    private TimeProvider Time => services.Time;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DispatcherEnabled)
        {
            return;
        }

        await Task.Yield();
        _db = new EngineDb(services.Scopes, services.Gate);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ScanAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Dispatcher scan failed; trying again");
                }

                await services.Signals.WaitForDispatchAsync(options.Value.ScanInterval, Time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopWorkersAsync();
            await _db.DisposeAsync();
        }
    }

    /// <summary>One round: renew or give up leases, start workers for channels with work.</summary>
    public async Task ScanAsync(CancellationToken ct)
    {
        var db = _db ?? throw new InvalidOperationException("The dispatcher is not running.");
        var o = options.Value;
        var now = Time.GetUtcNow();

        foreach (var (channelId, w) in _workers.ToList())
        {
            if (w.Task.IsCompleted)
            {
                _workers.Remove(channelId);
                await w.Worker.DisposeAsync();
                w.Stop.Dispose();
                await db.RunAsync(s => s.ReleaseLeaseAsync(channelId, Node, ct), ct);
                continue;
            }

            if (await db.RunAsync(s => s.TryLeaseAsync(channelId, Node, now.UtcDateTime, o.LeaseDuration, ct), ct))
            {
                w.Worker.LeaseValidUntil = now + o.LeaseDuration - TimeSpan.FromTicks(o.LeaseDuration.Ticks / 5);
            }
            else
            {
                logger.LogWarning("Lost the lease of channel {Channel}: stopping its worker", channelId);
                w.Worker.LeaseValidUntil = DateTimeOffset.MinValue;
            }
        }

        var channels = await db.RunAsync(s => s.ChannelsWithWorkAsync(Node, now.UtcDateTime, ct), ct);
        foreach (var channelId in channels.Where(c => !_workers.ContainsKey(c)))
        {
            if (!await db.RunAsync(s => s.TryLeaseAsync(channelId, Node, now.UtcDateTime, o.LeaseDuration, ct), ct))
            {
                continue;
            }

            var worker = new ChannelWorker(channelId, services) { LeaseValidUntil = now + o.LeaseDuration - TimeSpan.FromTicks(o.LeaseDuration.Ticks / 5) };
            var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            logger.LogInformation("Node {Node} sends for channel {Channel}", Node, channelId);
            _workers[channelId] = (worker, Task.Run(() => worker.RunAsync(stop.Token), CancellationToken.None), stop);
        }
    }

    private async Task StopWorkersAsync()
    {
        foreach (var w in _workers.Values)
        {
            await w.Stop.CancelAsync();
        }

        foreach (var (channelId, w) in _workers)
        {
            try
            {
                await w.Task;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Worker of channel {Channel} failed while stopping", channelId);
            }

            await w.Worker.DisposeAsync();
            w.Stop.Dispose();
            try
            {
                await _db!.RunAsync(s => s.ReleaseLeaseAsync(channelId, Node, CancellationToken.None), CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not give up the lease of channel {Channel}; it expires by itself", channelId);
            }
        }

        _workers.Clear();
    }

    /// <summary>For tests that control the clock: sends, in this call, every delivery of the channel that is due
    /// (same steps as the workers, without the pipeline and its waits). Returns how many were claimed.</summary>
    public async Task<int> PumpAsync(Guid channelId, CancellationToken ct)
    {
        ChannelWorker? worker;
        lock (_pumps)
        {
            if (!_pumps.TryGetValue(channelId, out worker))
            {
                _pumps[channelId] = worker = new ChannelWorker(channelId, services);
            }
        }

        return await worker.PumpAsync(ct);
    }

    /// <summary>The channel's circuit as seen by <see cref="PumpAsync"/> (tests).</summary>
    public CircuitBreaker? PumpCircuit(Guid channelId)
    {
        lock (_pumps)
        {
            return _pumps.TryGetValue(channelId, out var w) ? w.Circuit : null;
        }
    }

    public override void Dispose()
    {
        foreach (var w in _pumps.Values)
        {
            w.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose();
    }
}
