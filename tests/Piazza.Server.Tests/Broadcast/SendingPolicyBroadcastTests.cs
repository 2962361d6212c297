using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Piazza.Broadcast;
using Piazza.Server.Tests.Api;
using Xunit;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>The sending policy at its boundaries, on a clock the test moves: the monthly cap, service hours, quiet
/// hours, the emergency override, and a subscriber leaving before their message goes.</summary>
public sealed class SendingPolicyBroadcastTests(ClockedBroadcastFactory factory) : IClassFixture<ClockedBroadcastFactory>
{
    [Fact]
    public async Task The_monthly_cap_skips_and_counts_subscribers_who_reached_it_until_the_next_month()
    {
        var n = await factory.NewsroomAsync(subscribers: 6);
        await n.Admin.PutJsonAsync("/api/v1/sending-policy", new { monthlyCap = 2, serviceHours = "", quietHours = "" });
        factory.AdvanceTo(DayOfWeek.Tuesday, 10, 0);

        var first = await SendAsync(n);
        var late = (await factory.AddSubscribersAsync(n, n.ChannelId, 1, n.TopicId, "+39335")).Single();
        var second = await SendAsync(n);
        var third = await SendAsync(n);

        Assert.All(await factory.DeliveriesAsync(first), d => Assert.Equal(DeliveryState.Sent, d.State));
        Assert.Equal(7, (await factory.DeliveriesAsync(second)).Count(d => d.State == DeliveryState.Sent));
        var capped = await factory.DeliveriesAsync(third);
        Assert.Equal(6, capped.Count(d => d.State == DeliveryState.Skipped)); // exactly at the cap: skipped
        var below = Assert.Single(capped, d => d.State == DeliveryState.Sent); // one message so far: still below
        Assert.Equal(late, below.SubscriberId);
        Assert.DoesNotContain(factory.Recorder.Messages, m => m.PostId == third && m.SubscriberId != late);

        var thirdView = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{third}");
        Assert.Equal("Sent", (string?)thirdView["state"]); // skipped is not failed
        Assert.Contains(thirdView["history"]!.Items(), h => ((string?)h["note"] ?? "").Contains("6 skipped: monthly cap of 2 reached", StringComparison.Ordinal));
        var progress = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{third}/progress");
        Assert.Equal(6, (int)progress["counts"]!["skipped"]!);

        // An emergency is not capped.
        var emergency = await SendAsync(n, "Emergency");
        Assert.All(await factory.DeliveriesAsync(emergency), d => Assert.Equal(DeliveryState.Sent, d.State));

        // 00:30 on the first of the next month in Rome is still the previous day in UTC: the cap counts Rome's months.
        var local = factory.LocalNow;
        var utc = factory.SetLocal(new DateTime(local.Year, local.Month, 1).AddMonths(1).AddMinutes(30));
        Assert.Equal(local.Month, utc.Month);
        var december = await SendAsync(n);
        Assert.Equal(7, (await factory.DeliveriesAsync(december)).Count(d => d.State == DeliveryState.Sent));
    }

    [Fact]
    public async Task A_routine_bulletin_released_after_the_service_hours_waits_for_the_next_window()
    {
        var n = await factory.NewsroomAsync(subscribers: 5, alwaysOpen: false); // WhatsEmpoli's hours, quiet 21–08
        factory.AdvanceTo(DayOfWeek.Friday, 17, 59);
        var inside = await SendAsync(n);
        Assert.All(await factory.DeliveriesAsync(inside), d => Assert.Equal(DeliveryState.Sent, d.State));

        factory.SetLocal(factory.LocalNow.Date.AddHours(18)); // the window closed at 18:00
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        Assert.Equal(0, await factory.StepAsync(n.ChannelId));
        var waiting = await factory.DeliveriesAsync(id);
        Assert.Equal(5, waiting.Count);
        var saturdayNine = TimeZoneInfo.ConvertTimeToUtc(factory.LocalNow.Date.AddDays(1).AddHours(9), ClockedBroadcastFactory.Rome);
        Assert.All(waiting, d => Assert.Equal(saturdayNine, d.DueAt));
        var bulletin = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}");
        Assert.Equal("Sending", (string?)bulletin["state"]);
        Assert.Contains(bulletin["history"]!.Items(), h => ((string?)h["note"] ?? "").Contains("waiting for the service hours until Sat", StringComparison.Ordinal));
        var progress = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}/progress");
        Assert.StartsWith(saturdayNine.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture), (string?)progress["waitingUntil"], StringComparison.Ordinal);

        factory.SetLocal(factory.LocalNow.Date.AddDays(1).AddHours(8).AddMinutes(59));
        Assert.Equal(0, await factory.StepAsync(n.ChannelId));
        factory.SetLocal(factory.LocalNow.Date.AddHours(9));
        Assert.Equal(5, await factory.StepAsync(n.ChannelId));
        Assert.Equal("Sent", (string?)(await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}"))["state"]);
        Assert.All(factory.Recorder.Messages.Where(m => m.PostId == id), m => Assert.Equal(saturdayNine, m.At.UtcDateTime));
    }

    [Fact]
    public async Task An_emergency_overrides_service_and_quiet_hours_and_the_override_is_recorded_with_its_approver()
    {
        var n = await factory.NewsroomAsync(subscribers: 4, alwaysOpen: false);
        factory.AdvanceTo(DayOfWeek.Sunday, 23, 15); // outside service hours and inside quiet hours
        var id = await SendAsync(n, "Emergency");
        Assert.All(await factory.DeliveriesAsync(id), d => Assert.Equal(DeliveryState.Sent, d.State));

        var audit = await n.Admin.GetJsonAsync($"/api/v1/audit?objectType=bulletin&objectId={id}");
        var overrideEntry = Assert.Single(audit.Items(), a => (string?)a["action"] == "bulletin.emergency-override");
        var detail = (string?)overrideEntry["detail"] ?? "";
        Assert.Contains("approved by API key approvazione", detail, StringComparison.Ordinal);
        Assert.Contains("outside the service hours", detail, StringComparison.Ordinal);
        Assert.Contains("in the quiet hours", detail, StringComparison.Ordinal);
        var history = (await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}"))["history"]!.Items();
        Assert.Contains(history, h => (string?)h["to"] == "Approved" && (string?)h["by"] == "API key approvazione"
            && ((string?)h["note"] ?? "").Contains("emergency", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Quiet_hours_hold_routine_messages_in_flight_but_not_an_emergency()
    {
        var n = await factory.NewsroomAsync(subscribers: 6);
        await n.Admin.PutJsonAsync("/api/v1/sending-policy", new { monthlyCap = (int?)null, serviceHours = "", quietHours = "21:00-08:00" });
        factory.AdvanceTo(DayOfWeek.Wednesday, 20, 59);
        var routine = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, routine);
        await factory.Service<Releaser>().ReleaseDueAsync(CancellationToken.None); // released at 20:59, not sent yet

        factory.SetLocal(factory.LocalNow.Date.AddHours(21));
        Assert.Equal(0, await factory.StepAsync(n.ChannelId));
        var emergency = await SendAsync(n, "Emergency");
        Assert.All(await factory.DeliveriesAsync(emergency), d => Assert.Equal(DeliveryState.Sent, d.State));
        Assert.All(await factory.DeliveriesAsync(routine), d => Assert.Equal(DeliveryState.Queued, d.State));

        factory.SetLocal(factory.LocalNow.Date.AddDays(1).AddHours(7).AddMinutes(59));
        Assert.Equal(0, await factory.StepAsync(n.ChannelId));
        factory.SetLocal(factory.LocalNow.Date.AddHours(8));
        Assert.Equal(6, await factory.StepAsync(n.ChannelId));
        Assert.All(await factory.DeliveriesAsync(routine), d => Assert.Equal(DeliveryState.Sent, d.State));
    }

    [Fact]
    public async Task Nothing_is_sent_to_a_subscriber_who_left_after_the_release()
    {
        var n = await factory.NewsroomAsync(subscribers: 5);
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await factory.Service<Releaser>().ReleaseDueAsync(CancellationToken.None);
        var deliveries = await factory.DeliveriesAsync(id);

        // One leaves through the API (as a keyword STOP will): their queued message is cancelled at once.
        var viaApi = deliveries[1].SubscriberId;
        await n.Admin.PatchJsonAsync($"/api/v1/subscribers/{viaApi}", new { status = "Left" });
        Assert.Equal(DeliveryState.Cancelled, (await factory.DeliveriesAsync(id)).Single(d => d.SubscriberId == viaApi).State);

        // Another is marked left by a path that does not touch the queue: the dispatcher still checks before sending.
        var direct = deliveries[3].SubscriberId;
        await using (var db = factory.Database.CreateContext())
        {
            await db.Subscribers.IgnoreQueryFilters().Where(s => s.Id == direct).ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, Piazza.Subscribers.SubscriberStatus.Left));
        }

        await factory.StepAsync(n.ChannelId);
        var after = await factory.DeliveriesAsync(id);
        Assert.Equal(3, after.Count(d => d.State == DeliveryState.Sent));
        Assert.Equal(DeliveryState.Cancelled, after.Single(d => d.SubscriberId == direct).State);
        Assert.DoesNotContain(factory.Recorder.Messages, m => m.PostId == id && (m.SubscriberId == viaApi || m.SubscriberId == direct));
        Assert.Equal("Sent", (string?)(await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}"))["state"]);
    }

    [Fact]
    public async Task Editing_an_approved_bulletin_sends_it_back_to_review_and_it_is_not_released()
    {
        var n = await factory.NewsroomAsync(subscribers: 3);
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        var tomorrow = factory.Clock.GetUtcNow().UtcDateTime.AddDays(1);
        var scheduled = await BroadcastFactory.ApproveAsync(n, id, tomorrow);
        Assert.Equal("Scheduled", (string?)scheduled["state"]);

        await n.Author.PutJsonAsync($"/api/v1/bulletins/{id}", new
        {
            topicId = n.TopicId, priority = "Normal", channelIds = new[] { n.ChannelId },
            bodies = new Dictionary<string, object> { ["it"] = new { title = "Interruzione dell'acqua (rinviata)", markdown = "Rinviata a venerdì." } },
        });
        var edited = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}");
        Assert.Equal("InTranslation", (string?)edited["state"]); // the Italian text changed: the zh translation must be checked again
        Assert.Null((string?)edited["scheduledFor"]);
        Assert.Contains(edited["history"]!.Items(), h => (string?)h["note"] == "Edited after approval: back to review.");
        Assert.Contains("bodies.zh", edited["blockers"]!.AsObject().Select(b => b.Key));

        factory.Clock.Advance(TimeSpan.FromDays(2));
        await factory.Service<Releaser>().ReleaseDueAsync(CancellationToken.None);
        Assert.Empty(await factory.DeliveriesAsync(id));

        await n.Translator.PostJsonAsync($"/api/v1/bulletins/{id}/bodies/zh/review", null, HttpStatusCode.OK);
        await BroadcastFactory.ApproveAsync(n, id);
        await factory.StepAsync(n.ChannelId);
        Assert.Equal(3, (await factory.DeliveriesAsync(id)).Count(d => d.State == DeliveryState.Sent));
    }

    private async Task<Guid> SendAsync(Newsroom n, string priority = "Normal")
    {
        var id = await BroadcastFactory.ReadyBulletinAsync(n, priority);
        await BroadcastFactory.ApproveAsync(n, id);
        await factory.StepAsync(n.ChannelId);
        return id;
    }
}
