using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Piazza.Data;

namespace Piazza.Subscribers.Import;

/// <summary>Deletes the checked lists nobody imported once their time is over (they hold phone numbers), every
/// ten minutes, in every organization.</summary>
public sealed class ImportFileSweeper(IServiceScopeFactory scopes, TimeProvider time, ILogger<ImportFileSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
                    var deleted = await SubscriberImportService.DeleteExpiredAsync(db, time.GetUtcNow().UtcDateTime, stoppingToken);
                    if (deleted > 0)
                    {
                        logger.LogInformation("Deleted {Count} checked lists that were not imported in time", deleted);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Deleting expired checked lists failed; trying again later");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }
}
