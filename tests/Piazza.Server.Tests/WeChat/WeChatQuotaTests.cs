using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Piazza.Channels.WeChat;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;
using Piazza.WeChat;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>
/// WeChat's mass-send quota as the composer shows it before approval: a subscription account sends once a day (China
/// time), a service account four times a month per follower. A routine bulletin beyond it cannot be approved; an
/// emergency can, with the warning recorded.
/// </summary>
public sealed class WeChatQuotaTests(BroadcastFactory factory) : IClassFixture<BroadcastFactory>
{
    [Fact]
    public async Task A_subscription_account_has_one_mass_send_a_day_in_china_time()
    {
        // One bilingual mass send per bulletin ("Languages of each post"), so one bulletin needs one send.
        var n = await factory.NewsroomAsync(6, "WeChat", new() { ["accountType"] = "subscription", ["languages"] = "zh,it" });
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        var fresh = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}");
        Assert.False(Exceeded(fresh));
        Assert.Contains("0 of 1", Summary(fresh), StringComparison.Ordinal);

        // Yesterday's send (China time) does not count; today's does.
        var today = TimeZoneInfo.ConvertTimeToUtc(TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, WeChatQuota.ChinaTime).Date, WeChatQuota.ChinaTime);
        await AddMassSendAsync(n, today.AddMinutes(-1), tagId: 1);
        Assert.False(Exceeded(await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}")));
        await AddMassSendAsync(n, today.AddMinutes(1), tagId: 1);
        var full = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}");
        Assert.True(Exceeded(full));
        Assert.Contains("1 of 1", Summary(full), StringComparison.Ordinal);
        Assert.Contains($"channelIds.{n.ChannelId}", full["blockers"]!.AsObject().Select(b => b.Key));
        await n.Approver.PostJsonAsync($"/api/v1/bulletins/{id}/approve", new { sendAt = (DateTime?)null }, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_subscription_account_sending_one_mass_send_per_language_needs_one_per_language()
    {
        var n = await factory.NewsroomAsync(6, "WeChat", new() { ["accountType"] = "subscription" });
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        var view = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}");
        Assert.True(Exceeded(view)); // followers in it and in zh: two sends, one allowed
        Assert.Contains("needs 2", Summary(view), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_account_allows_four_a_month_per_follower_and_an_emergency_goes_with_a_warning()
    {
        var n = await factory.NewsroomAsync(3, "WeChat", new() { ["accountType"] = "service", ["languages"] = "zh,it" });
        await using (var db = factory.Database.CreateContext())
        {
            var followers = await db.Subscribers.IgnoreQueryFilters().Where(s => s.ChannelId == n.ChannelId).Select(s => s.Id).ToListAsync();
            // Tag 7 holds one of them; tag 8 the two others.
            db.WeChatTagMembers.Add(new WeChatTagMember { ChannelId = n.ChannelId, TagId = 7, SubscriberId = followers[0] });
            db.WeChatTagMembers.AddRange(followers.Skip(1).Select(f => new WeChatTagMember { ChannelId = n.ChannelId, TagId = 8, SubscriberId = f }));
            await db.SaveChangesAsync();
        }

        for (var i = 0; i < 3; i++)
        {
            await AddMassSendAsync(n, DateTime.UtcNow, tagId: 7);
        }

        var routine = await BroadcastFactory.ReadyBulletinAsync(n);
        var three = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{routine}");
        Assert.False(Exceeded(three));
        Assert.Contains("up to 3 of 4", Summary(three), StringComparison.Ordinal);

        await AddMassSendAsync(n, DateTime.UtcNow, tagId: 7);
        var four = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{routine}");
        Assert.True(Exceeded(four));
        Assert.Contains("1 of 3 have reached 4", Summary(four), StringComparison.Ordinal);
        await n.Approver.PostJsonAsync($"/api/v1/bulletins/{routine}/approve", new { sendAt = (DateTime?)null }, HttpStatusCode.BadRequest);

        var emergency = await BroadcastFactory.ReadyBulletinAsync(n, "Emergency");
        var view = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{emergency}");
        Assert.True(Exceeded(view));
        Assert.DoesNotContain($"channelIds.{n.ChannelId}", view["blockers"]!.AsObject().Select(b => b.Key));
        var approved = await BroadcastFactory.ApproveAsync(n, emergency);
        Assert.Contains(approved["history"]!.AsArray(), h => ((string?)h!["note"])?.Contains("Warning: WeChat service account", StringComparison.Ordinal) == true);
        await using var check = factory.Database.CreateContext();
        Assert.True(await check.AuditEntries.IgnoreQueryFilters().AnyAsync(a => a.ObjectId == emergency.ToString() && a.Action == "bulletin.quota-warning"));
    }

    private static bool Exceeded(JsonNode bulletin) => bulletin["quotas"]!.AsArray().Single()!["exceeded"]!.GetValue<bool>();

    private static string Summary(JsonNode bulletin) => (string)bulletin["quotas"]!.AsArray().Single()!["summary"]!;

    private async Task AddMassSendAsync(Newsroom n, DateTime at, int tagId)
    {
        await using var db = factory.Database.CreateContext();
        db.WeChatMassSends.Add(new WeChatMassSend
        {
            OrganizationId = n.OrganizationId, ChannelId = n.ChannelId, PostId = Guid.NewGuid(), DeliveryId = 0, TagId = tagId, Language = "*",
            MsgId = Guid.NewGuid().ToString("N")[..20], SentAt = at,
        });
        await db.SaveChangesAsync();
    }
}
