using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Piazza.Audit;
using Piazza.Channels;
using Piazza.Data;
using Piazza.Posts;
using Piazza.Tenancy;

namespace Piazza.Broadcast;

/// <summary>What a release wrote.</summary>
/// <param name="PostId">The bulletin.</param>
/// <param name="Deliveries">Deliveries written, skipped ones included.</param>
/// <param name="Skipped">Subscribers past the monthly cap.</param>
/// <param name="ChannelIds">The channels written to.</param>
/// <param name="Priority">The bulletin's priority.</param>
/// <param name="Duration">How long the release transaction took (fan-out included), measured on the server's clock.</param>
public sealed record ReleaseResult(Guid PostId, int Deliveries, int Skipped, IReadOnlyList<Guid> ChannelIds, PostPriority Priority, TimeSpan Duration);

/// <summary>
/// Releases bulletins when they are due: in one transaction it marks the bulletin Sending and writes all its
/// deliveries with set-based SQL (<see cref="DeliveryStore.FanOutToSubscribersAsync"/>), so a crash leaves either
/// nothing or everything. Emergencies are released first and ignore the sending policy (recorded). It also marks
/// bulletins Sent (or PartlyFailed) when their last delivery ends. Any node may release: the state change is the lock.
/// </summary>
public sealed class Releaser(
    IServiceScopeFactory scopes, SqliteWriteGate gate, ChannelCatalog catalog, TimeProvider time, BroadcastSignals signals,
    IOptions<BroadcastOptions> options, ILogger<Releaser> logger) : BackgroundService
{
    private DateTimeOffset _lastFinishCheck;

    /// <summary>Raised after each release is committed (the benchmark times the fan-out with it).</summary>
    public event Action<ReleaseResult>? Released;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DispatcherEnabled)
        {
            return;
        }

        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReleaseDueAsync(stoppingToken);
                if (signals.TakeFinished() || time.GetUtcNow() - _lastFinishCheck > TimeSpan.FromSeconds(2))
                {
                    _lastFinishCheck = time.GetUtcNow();
                    await FinishAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Releasing bulletins failed; trying again");
            }

            try
            {
                await signals.WaitForReleaseAsync(options.Value.ReleasePoll, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Releases every bulletin that is due, emergencies first. Returns how many were released.</summary>
    public async Task<int> ReleaseDueAsync(CancellationToken ct)
    {
        List<Guid> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            var now = Now;
            due = await db.Posts.IgnoreQueryFilters().AsNoTracking()
                .Where(p => p.State == PostState.Scheduled && p.ScheduledFor <= now)
                .OrderByDescending(p => p.Priority).ThenBy(p => p.ScheduledFor)
                .Select(p => p.Id).Take(20).ToListAsync(ct);
        }

        var released = 0;
        foreach (var id in due)
        {
            if (await ReleaseAsync(id, ct) is not null)
            {
                released++;
            }
        }

        return released;
    }

    /// <summary>Releases one scheduled bulletin now; null when it is not (or no longer) scheduled.</summary>
    public async Task<ReleaseResult?> ReleaseAsync(Guid postId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var post = await db.Posts.IgnoreQueryFilters().AsNoTracking().Include(p => p.Bodies).Include(p => p.Channels).Include(p => p.History)
            .FirstOrDefaultAsync(p => p.Id == postId, ct);
        if (post is null || post.State != PostState.Scheduled)
        {
            return null;
        }

        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(post.OrganizationId);
        var org = await db.Organizations.AsNoTracking().Include(o => o.Languages).FirstAsync(ct);
        var policy = await SendingPolicyService.LoadAsync(db, ct);
        var channelIds = post.Channels.Select(c => c.ChannelId).ToList();
        var channels = await db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToListAsync(ct);
        var orgLanguages = org.Languages.OrderBy(l => l.Position).Select(l => l.Tag).ToList();
        var languages = AvailableLanguages(post, orgLanguages);
        var emergency = post.Priority == PostPriority.Emergency;

        var started = time.GetTimestamp();
        // While an emergency's deliveries are written, this node's workers claim no more routine work: the database
        // and the CPU are the emergency's, and its first messages leave as soon as it commits.
        using var hold = emergency ? signals.HoldRoutine() : null;
        using var entered = await gate.EnterAsync(!db.Database.IsNpgsql(), ct);
        var now = Now;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var store = new DeliveryStore(db);
        await using (var claim = await store.CommandAsync(ct))
        {
            claim.CommandText = "UPDATE posts SET state = @sending, released_at = @now, updated_at = @now WHERE id = @id AND state = @scheduled";
            DeliveryStore.Add(claim, "sending", (int)PostState.Sending);
            DeliveryStore.Add(claim, "scheduled", (int)PostState.Scheduled);
            DeliveryStore.Add(claim, "now", now);
            DeliveryStore.Add(claim, "id", store.Id(post.Id));
            if (await claim.ExecuteNonQueryAsync(ct) != 1)
            {
                return null; // another node released it, or it was cancelled meanwhile
            }
        }

        // Nothing can conflict with deliveries that do not exist yet: PostgreSQL then skips ON CONFLICT's speculative
        // insertion (a fifth of the fan-out's time).
        var mayExist = await store.HasDeliveriesAsync(post.Id, ct);
        var notes = new List<string>();
        var overrides = new List<string>();
        int total = 0, skipped = 0;
        foreach (var channel in channels.Where(c => c.IsEnabled))
        {
            var settings = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(channel.SettingsJson) ?? [];
            var effective = SendingPolicyService.Resolve(policy, org.TimeZone, settings);
            var dueAt = emergency ? now : effective.ReleaseTime(now);
            if (emergency && effective.ReleaseTime(now) > now)
            {
                overrides.Add($"outside the service hours of {channel.Name}");
            }

            if (emergency && effective.IsQuiet(now))
            {
                overrides.Add($"in the quiet hours of {channel.Name}");
            }

            var definition = catalog.Find(channel.Kind);
            int written;
            if (definition?.SendsToWholeChannel(settings) == true)
            {
                var postLanguages = settings.TryGetValue(BroadcastSettings.Languages, out var l) ? l.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
                var language = postLanguages.FirstOrDefault(languages.Contains) ?? languages[0];
                var groups = definition.AudienceGroups?.Invoke(settings, orgLanguages) ?? [];
                if (groups.Count == 0)
                {
                    written = await store.FanOutToChannelAsync(post.Id, channel.Id, language, post.Priority, dueAt, now, ct);
                    notes.Add($"{channel.Name}: one post to the whole channel");
                }
                else
                {
                    // One post per group of followers (WeChat: per language tag), each in the group's language when the
                    // bulletin has it, else in the organization's fallback.
                    written = 0;
                    for (var i = 0; i < groups.Count; i++)
                    {
                        var groupLanguage = groups[i] == "*" ? language : languages.Contains(groups[i]) ? groups[i] : languages[0];
                        written += await store.FanOutToChannelAsync(post.Id, channel.Id, groupLanguage, post.Priority, dueAt, now, ct, group: -(i + 1));
                    }

                    var groupNames = string.Join(", ", groups);
                    notes.Add($"{channel.Name}: {groups.Count} posts, one per group of followers ({groupNames})");
                }
            }
            else
            {
                written = await store.FanOutToSubscribersAsync(new FanOutSpec(
                    post.Id, post.OrganizationId, channel.Id, post.Audience == PostAudience.Everyone ? null : post.TopicId, post.Priority, languages,
                    emergency ? null : effective.MonthlyCap, effective.MonthStart(now), dueAt, now, mayExist), ct);
                var capped = 0;
                if (!emergency && effective.MonthlyCap is not null && written > 0)
                {
                    await using var count = await store.CommandAsync(ct);
                    count.CommandText = "SELECT count(*) FROM deliveries WHERE post_id = @post AND channel_id = @channel AND state = 6";
                    DeliveryStore.Add(count, "post", store.Id(post.Id));
                    DeliveryStore.Add(count, "channel", store.Id(channel.Id));
                    capped = Convert.ToInt32(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
                }

                skipped += capped;
                notes.Add(capped > 0
                    ? $"{channel.Name}: {written} subscribers ({capped} skipped: monthly cap of {effective.MonthlyCap} reached)"
                    : $"{channel.Name}: {written} subscribers");
            }

            if (dueAt > now)
            {
                var local = TimeZoneInfo.ConvertTimeFromUtc(dueAt, effective.TimeZone);
                notes[^1] += $", waiting for the service hours until {local.ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture)}";
            }

            total += written;
        }

        foreach (var channel in channels.Where(c => !c.IsEnabled))
        {
            notes.Add($"{channel.Name}: disabled, nothing sent");
        }

        var auditor = new Auditor(db, new SystemActor(), time);
        var note = "Released: " + string.Join("; ", notes) + ".";
        db.PostStateChanges.Add(new PostStateChange
        {
            OrganizationId = post.OrganizationId, PostId = post.Id, From = PostState.Scheduled, To = PostState.Sending, At = now, ByName = "system", Note = Truncate(note, 1000),
        });
        auditor.Record("bulletin.released", "bulletin", post.Id.ToString(), Truncate($"{total} deliveries; " + string.Join("; ", notes), 1000));
        if (emergency)
        {
            var approval = post.History.Where(h => h.To == PostState.Approved).OrderByDescending(h => h.At).FirstOrDefault();
            auditor.Record("bulletin.emergency-override", "bulletin", post.Id.ToString(),
                $"Emergency approved by {approval?.ByName ?? "?"}: no monthly cap, service hours or quiet hours applied"
                + (overrides.Count > 0 ? " (sent " + string.Join(", ", overrides) + ")" : string.Empty) + ".");
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        hold?.Dispose();
        signals.WorkArrived(channelIds);
        var result = new ReleaseResult(post.Id, total, skipped, channelIds, post.Priority, time.GetElapsedTime(started));
        logger.LogInformation("Bulletin {Post} released: {Count} deliveries ({Priority}) in {Ms:0} ms", post.Id, total, post.Priority, result.Duration.TotalMilliseconds);
        Released?.Invoke(result);
        return result;
    }

    /// <summary>Marks bulletins whose deliveries have all ended as Sent, or PartlyFailed when some failed.</summary>
    public async Task<int> FinishAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var sending = await db.Posts.IgnoreQueryFilters().AsNoTracking().Where(p => p.State == PostState.Sending)
            .Select(p => new { p.Id, p.OrganizationId }).ToListAsync(ct);
        var finished = 0;
        var store = new DeliveryStore(db);
        foreach (var post in sending)
        {
            // While any delivery is still queued or in flight (the common case: this runs after every completed batch),
            // an index probe says so; the deliveries are counted once, at the end.
            if (await store.HasPendingAsync(post.Id, ct))
            {
                continue;
            }

            var counts = await db.Deliveries.IgnoreQueryFilters().Where(d => d.PostId == post.Id)
                .GroupBy(d => d.State).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
            if (counts.GetValueOrDefault(DeliveryState.Queued) + counts.GetValueOrDefault(DeliveryState.Sending) > 0)
            {
                continue;
            }

            var failed = counts.GetValueOrDefault(DeliveryState.Failed);
            var to = failed > 0 ? PostState.PartlyFailed : PostState.Sent;
            var now = Now;
            using var entered = await gate.EnterAsync(!db.Database.IsNpgsql(), ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var changed = await db.Posts.IgnoreQueryFilters().Where(p => p.Id == post.Id && p.State == PostState.Sending)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.State, to).SetProperty(p => p.FinishedAt, now).SetProperty(p => p.UpdatedAt, now), ct);
            if (changed == 1)
            {
                var sent = counts.Where(c => c.Key is DeliveryState.Sent or DeliveryState.Delivered or DeliveryState.Read).Sum(c => c.Value);
                var note = string.Create(CultureInfo.InvariantCulture,
                    $"{sent} sent, {failed} failed, {counts.GetValueOrDefault(DeliveryState.Skipped)} skipped by the monthly cap, {counts.GetValueOrDefault(DeliveryState.Cancelled)} cancelled.");
                db.PostStateChanges.Add(new PostStateChange { OrganizationId = post.OrganizationId, PostId = post.Id, From = PostState.Sending, To = to, At = now, ByName = "system", Note = note });
                new Auditor(db, new SystemActor(), time).Record(to == PostState.Sent ? "bulletin.sent" : "bulletin.partly-failed", "bulletin", post.Id.ToString(), note, post.OrganizationId);
                await db.SaveChangesAsync(ct);
                finished++;
            }

            await tx.CommitAsync(ct);
        }

        return finished;
    }

    /// <summary>The bulletin's languages in the organization's fallback order (first = last resort), then any others.</summary>
    public static List<string> AvailableLanguages(Post post, IReadOnlyList<string> organizationOrder)
    {
        var present = post.Bodies.Where(b => !string.IsNullOrWhiteSpace(b.Markdown) || !string.IsNullOrWhiteSpace(b.Title)).Select(b => b.Language).ToList();
        return organizationOrder.Where(present.Contains).Concat(present.Where(l => !organizationOrder.Contains(l)).Order(StringComparer.Ordinal)).ToList();
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
