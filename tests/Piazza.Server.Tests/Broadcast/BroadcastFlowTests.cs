using System.Net;
using Piazza.Broadcast;
using Piazza.Server.Tests.Api;
using Xunit;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>A bulletin from the composer to the citizens' phones through the real server, its HTTP API, the
/// releaser and the dispatcher, on the database under test.</summary>
public sealed class BroadcastFlowTests(BroadcastFactory factory) : IClassFixture<BroadcastFactory>
{
    [Fact]
    public async Task A_bulletin_reaches_every_follower_of_its_topic_once_in_their_language()
    {
        var n = await factory.NewsroomAsync(subscribers: 300);
        // Followers of another topic, and people who left, get nothing.
        var others = await factory.AddSubscribersAsync(n, n.ChannelId, 20, n.OtherTopicId, "+39334");
        var id = await BroadcastFactory.ReadyBulletinAsync(n);

        await BroadcastFactory.ApproveAsync(n, id);
        var sent = await BroadcastFactory.WaitForStateAsync(n, id, 30, "Sent");

        var deliveries = await factory.DeliveriesAsync(id);
        Assert.Equal(300, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(DeliveryState.Sent, d.State));
        Assert.DoesNotContain(deliveries, d => others.Contains(d.SubscriberId));
        Assert.Equal(100, deliveries.Count(d => d.Language == "zh"));
        var messages = factory.Recorder.Messages.Where(m => m.PostId == id).ToList();
        Assert.Equal(300, messages.Count);
        Assert.All(deliveries, d => Assert.Equal(1, factory.Recorder.TimesSent(d.Id)));
        Assert.All(messages.Where(m => m.Languages == "zh"), m => Assert.Contains("停水通知", m.Text, StringComparison.Ordinal));
        Assert.All(messages.Where(m => m.Languages == "it"), m => Assert.Contains("*Interruzione dell'acqua*", m.Text, StringComparison.Ordinal));

        var history = sent["history"]!.Items().Select(h => (string?)h["to"]).ToList();
        Assert.Equal(["Draft", "InTranslation", "InTranslation", "InReview", "Approved", "Scheduled", "Sending", "Sent"], history);
        var progress = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}/progress");
        Assert.Equal(300, (int)progress["counts"]!["sent"]!);
    }

    [Fact]
    public async Task Releasing_twice_sends_once()
    {
        var n = await factory.NewsroomAsync(subscribers: 50);
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        var releaser = factory.Service<Releaser>();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => releaser.ReleaseAsync(id, CancellationToken.None)));
        Assert.True(results.Count(r => r is not null) <= 1);
        await BroadcastFactory.WaitForStateAsync(n, id, 30, "Sent");
        Assert.Equal(50, (await factory.DeliveriesAsync(id)).Count);
        await n.Approver.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/approve", new { }, HttpStatusCode.BadRequest);
        Assert.Equal(50, (await factory.DeliveriesAsync(id)).Count);
    }
}
