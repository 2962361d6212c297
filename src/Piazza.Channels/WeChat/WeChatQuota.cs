using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Piazza.Data;
using Piazza.Posts;
using Piazza.Subscribers;

namespace Piazza.Channels.WeChat;

/// <summary>
/// WeChat's mass-send quota, counted per account from the mass sends Piazza made (<see cref="Piazza.WeChat.WeChatMassSend"/>)
/// and those still to come (queued deliveries, other approved bulletins): a subscription account may mass send once a day,
/// a service account four times a calendar month per follower (days and months in China time, as WeChat counts them).
/// A bulletin needs one mass send per language group that has followers in its audience.
/// </summary>
public sealed class WeChatQuota(TimeProvider time) : IChannelQuota
{
    public const string SubscriptionUsed = "WeChat subscription account: {0} of {1} mass send a day used or planned today (China time); this bulletin needs {2}.";
    public const string OneBilingual = "Set \"Languages of each post\" (e.g. zh,it) to send one bilingual mass send instead of one per language.";
    public const string ServiceUsed = "WeChat service account: the followers of this bulletin have had up to {0} of {1} mass sends this month (China time), counting those planned.";
    public const string ServiceFull = "{0} of {1} have reached {2} and would not get it.";
    public const int SubscriptionPerDay = 1;
    public const int ServicePerMonth = 4;

    /// <summary>WeChat counts days and months in China Standard Time.</summary>
    public static readonly TimeZoneInfo ChinaTime = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public ChannelKind Kind => ChannelKind.WeChat;

    public async Task<QuotaCheck> CheckAsync(PiazzaDb db, Channel channel, Post post, CancellationToken ct)
    {
        var settings = JsonSerializer.Deserialize<Dictionary<string, string>>(channel.SettingsJson) ?? [];
        var orgLanguages = await db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
        var groups = WeChatChannel.Definition.AudienceGroups!(settings, orgLanguages);

        // The bulletin's audience on this channel, and the groups it falls into.
        var audience = db.Subscribers.AsNoTracking().Where(s => s.ChannelId == channel.Id && s.Status == SubscriberStatus.Active);
        if (post.Audience != PostAudience.Everyone)
        {
            audience = audience.Where(s => s.Topics.Any(t => t.TopicId == post.TopicId));
        }

        var followers = await audience.Select(s => new { s.Id, s.Languages }).ToListAsync(ct);
        var needed = followers.Select(f => WeChatTagSync.GroupOf(f.Languages, groups)).Distinct(StringComparer.Ordinal).Count();
        var now = time.GetUtcNow().UtcDateTime;
        var local = TimeZoneInfo.ConvertTimeFromUtc(now, ChinaTime);

        // Still to come on this channel: queued mass sends of other bulletins, and other bulletins approved for later.
        var queued = await db.Deliveries.AsNoTracking()
            .CountAsync(d => d.ChannelId == channel.Id && d.PostId != post.Id && d.SubscriberId < 0 && (d.State == Broadcast.DeliveryState.Queued || d.State == Broadcast.DeliveryState.Sending), ct);
        var scheduled = await db.Posts.AsNoTracking()
            .Where(p => p.Id != post.Id && (p.State == PostState.Approved || p.State == PostState.Scheduled) && p.Channels.Any(c => c.ChannelId == channel.Id))
            .Select(p => p.ScheduledFor).ToListAsync(ct);

        if (!WeChatChannel.IsService(settings))
        {
            var dayStart = TimeZoneInfo.ConvertTimeToUtc(local.Date, ChinaTime);
            var sentToday = await db.WeChatMassSends.CountAsync(m => m.ChannelId == channel.Id && m.SentAt >= dayStart, ct);
            var scheduledToday = scheduled.Count(s => s is null || s < dayStart.AddDays(1)) * groups.Count;
            var used = sentToday + queued + scheduledToday;
            var lines = new List<QuotaLine> { new(SubscriptionUsed, used, SubscriptionPerDay, needed) };
            if (needed > 1)
            {
                lines.Add(new(OneBilingual));
            }

            return new QuotaCheck(channel.Id, lines, needed > 0 && used + needed > SubscriptionPerDay);
        }

        var monthStart = TimeZoneInfo.ConvertTimeToUtc(new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified), ChinaTime);
        var ids = followers.Select(f => f.Id).ToList();
        var sentTags = await db.WeChatMassSends.Where(m => m.ChannelId == channel.Id && m.SentAt >= monthStart).Select(m => m.TagId).ToListAsync(ct);
        var perTag = sentTags.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var received = new Dictionary<long, int>();
        if (perTag.Count > 0 && ids.Count > 0)
        {
            var tagIds = perTag.Keys.ToList();
            var members = await db.WeChatTagMembers.AsNoTracking().Where(m => m.ChannelId == channel.Id && tagIds.Contains(m.TagId))
                .Select(m => new { m.SubscriberId, m.TagId }).ToListAsync(ct);
            var inAudience = ids.ToHashSet();
            foreach (var m in members.Where(m => inAudience.Contains(m.SubscriberId)))
            {
                received[m.SubscriberId] = received.GetValueOrDefault(m.SubscriberId) + perTag[m.TagId];
            }
        }

        // Planned bulletins count for every follower (Piazza does not know yet whom they will reach).
        var planned = queued / Math.Max(1, groups.Count) + scheduled.Count(s => s is null || s < monthStart.AddMonths(1));
        var most = (received.Count == 0 ? 0 : received.Values.Max()) + planned;
        var full = ids.Count(id => received.GetValueOrDefault(id) + planned >= ServicePerMonth);
        var text = new List<QuotaLine> { new(ServiceUsed, most, ServicePerMonth) };
        if (full > 0)
        {
            text.Add(new(ServiceFull, full, ids.Count, ServicePerMonth));
        }

        return new QuotaCheck(channel.Id, text, full > 0);
    }
}
