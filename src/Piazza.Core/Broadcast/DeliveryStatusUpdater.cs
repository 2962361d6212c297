using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Piazza.Broadcast;

/// <summary>
/// Applies the platforms' status callbacks (delivered, read, failed) to deliveries in batches: webhooks hand them to
/// <see cref="Report"/> and answer at once; this service writes them every few milliseconds, hundreds per transaction.
/// A callback that arrives before the dispatcher has recorded the send is kept and tried again for two minutes.
/// </summary>
public sealed class DeliveryStatusUpdater(WorkerServices services, IOptions<BroadcastOptions> options, ILogger<DeliveryStatusUpdater> logger) : BackgroundService
{
    private readonly Channel<StatusUpdate> _queue = Channel.CreateBounded<StatusUpdate>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.Wait });
    private readonly List<(StatusUpdate Update, DateTimeOffset Since)> _early = [];
    private long _applied;

    /// <summary>Updates written so far (for tests and metrics).</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Queues a status update; waits only if 100,000 are already waiting.</summary>
    public ValueTask Report(StatusUpdate update, CancellationToken ct = default) => _queue.Writer.WriteAsync(update, ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await using var db = new EngineDb(services.Scopes, services.Gate);
        var batch = new List<StatusUpdate>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1), services.Time))
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, wait.Token))
                {
                    try
                    {
                        await _queue.Reader.WaitToReadAsync(linked.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                    }
                }

                await Task.Delay(options.Value.CompletionFlush, services.Time, stoppingToken);
                while (batch.Count < 1000 && _queue.Reader.TryRead(out var u))
                {
                    batch.Add(u);
                }

                var now = services.Time.GetUtcNow();
                var retry = _early.Where(e => now - e.Since < TimeSpan.FromMinutes(2)).ToList();
                if (batch.Count == 0 && retry.Count == 0)
                {
                    continue;
                }

                var all = batch.Concat(retry.Select(r => r.Update)).ToList();
                var failed = new List<long>();
                var (early, applied) = await db.RunAsync(s => s.ApplyStatusesAsync(all, failed, stoppingToken), stoppingToken);
                Interlocked.Add(ref _applied, applied);
                if (failed.Count > 0)
                {
                    await Subscribers.SubscriberService.MarkUnreachableAsync(services.Scopes, failed, options.Value.UnreachableAfter, stoppingToken);
                }

                var since = retry.ToDictionary(r => r.Update, r => r.Since);
                _early.Clear();
                _early.AddRange(early.Select(e => (e, since.GetValueOrDefault(e, now))));
                batch.Clear();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Applying {Count} status updates failed; trying again", batch.Count);
                await Task.Delay(TimeSpan.FromSeconds(1), services.Time, stoppingToken);
            }
        }
    }
}
