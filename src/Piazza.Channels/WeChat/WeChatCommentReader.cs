using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Piazza.Broadcast;
using Piazza.Data;
using Piazza.Tenancy;

namespace Piazza.Channels.WeChat;

/// <summary>Settings of the background reading of comments (section "WeChat:Comments").</summary>
public sealed class WeChatCommentReaderOptions
{
    public const string Section = "WeChat:Comments";

    /// <summary>False stops the background reading (the console's "Read comments now" still works).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Between two readings of every channel.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Bulletins sent longer ago than this are not read any more.</summary>
    public TimeSpan Window { get; set; } = WeChatComments.DefaultWindow;
}

/// <summary>
/// Reads, every <see cref="WeChatCommentReaderOptions.Interval"/>, the comments of the articles that every enabled
/// WeChat channel sent in the last <see cref="WeChatCommentReaderOptions.Window"/> (WeChat does not push comments).
/// One channel's failure is logged and does not stop the others; no error ends the loop.
/// </summary>
public sealed class WeChatCommentReader(
    IServiceScopeFactory scopes, WeChatApi api, EngineData engine, SqliteWriteGate gate, IOptions<WeChatCommentReaderOptions> options, TimeProvider time,
    ILogger<WeChatCommentReader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled || o.Interval <= TimeSpan.Zero)
        {
            logger.LogInformation("The background reading of WeChat comments is off");
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(o.Interval, time, stoppingToken);
                await ReadAllAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a background loop: whatever fails is logged, the next round tries again
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError(e, "Reading WeChat comments failed; trying again in {Interval}", o.Interval);
            }
        }
    }

    /// <summary>One reading of every enabled WeChat channel; returns what each channel's reading found.</summary>
    public async Task<IReadOnlyDictionary<Guid, CommentReading>> ReadAllAsync(CancellationToken ct)
    {
        var since = time.GetUtcNow().UtcDateTime - options.Value.Window;
        List<(Guid Id, Guid OrganizationId)> channels;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            var rows = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == ChannelKind.WeChat && c.IsEnabled)
                .Where(c => db.WeChatMassSends.IgnoreQueryFilters().Any(m => m.ChannelId == c.Id && m.MsgDataId != null && m.SentAt >= since))
                .Select(c => new { c.Id, c.OrganizationId }).ToListAsync(ct);
            channels = rows.Select(r => (r.Id, r.OrganizationId)).ToList();
        }

        var results = new Dictionary<Guid, CommentReading>();
        foreach (var (channelId, organizationId) in channels)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                scope.ServiceProvider.GetRequiredService<TenantContext>().Set(organizationId);
                var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
                var snapshot = await engine.LoadChannelAsync(db, channelId, ct);
                if (snapshot is not { Enabled: true })
                {
                    continue;
                }

                var sends = await db.WeChatMassSends.AsNoTracking().Where(m => m.ChannelId == channelId && m.MsgDataId != null && m.SentAt >= since).ToListAsync(ct);
                var reading = await WeChatComments.ReadAsync(db, api, gate, snapshot.Account, sends, time.GetUtcNow().UtcDateTime, logger, background: true, ct);
                results[channelId] = reading;
                if (reading.Added > 0 || reading.Changed > 0 || reading.Problems.Count > 0)
                {
                    logger.LogInformation("WeChat channel {Channel}: {Articles} articles read, {Added} new comments, {Changed} changed, {Problems} not readable",
                        channelId, reading.Articles, reading.Added, reading.Changed, reading.Problems.Count);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // one channel's trouble (database, WeChat) must not stop the others
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogWarning(e, "Reading the comments of WeChat channel {Channel} failed", channelId);
            }
        }

        return results;
    }
}
