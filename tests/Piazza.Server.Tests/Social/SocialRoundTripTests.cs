using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.Facebook;
using Piazza.Channels.Facebook.Simulator;
using Piazza.Channels.Formatting;
using Piazza.Channels.Mastodon;
using Piazza.Channels.Mastodon.Simulator;
using Piazza.Channels.X.Simulator;
using Piazza.Posts;
using Piazza.Server.Tests.Broadcast;
using Xunit;

namespace Piazza.Server.Tests.Social;

/// <summary>A bulletin approved for a sandbox Facebook page, X account or Mastodon account goes through the real
/// adapter to Piazza's simulator over HTTP: one post in the channel's languages, and the delivery Sent with the post's id.</summary>
public sealed class SocialRoundTripTests(SocialLiveFactory factory) : IClassFixture<SocialLiveFactory>
{
    [Fact]
    public async Task A_bulletin_on_a_sandbox_Facebook_page_becomes_a_page_post()
    {
        var n = await factory.NewsroomAsync(0, "Facebook", new() { [BroadcastSettings.Languages] = "it,zh" });
        var account = await factory.AccountAsync(n.ChannelId);
        Assert.NotNull(account.Setting(FacebookChannel.PageId));   // generated for the sandbox
        Assert.NotNull(account.Secret(FacebookChannel.PageAccessToken));

        var delivery = await SendAsync(n);

        var post = Assert.Single(factory.Service<FacebookSimulator>().PostsOf(n.ChannelId));
        Assert.Equal(post.Id, delivery.PlatformMessageId);
        Assert.StartsWith(account.Setting(FacebookChannel.PageId) + "_", post.Id, StringComparison.Ordinal);
        Assert.Equal("Interruzione dell'acqua\n\nDomani dalle 8 alle 12 manca l'acqua in via Roma.\n\n—\n\n停水通知\n\n明天8点到12点罗马路停水。", post.Message);
        Assert.Null(post.Link);
    }

    [Fact]
    public async Task A_bulletin_on_a_sandbox_X_account_becomes_a_post()
    {
        var n = await factory.NewsroomAsync(0, "X", new() { [BroadcastSettings.Languages] = "it,zh" });

        var delivery = await SendAsync(n);

        var post = Assert.Single(factory.Service<XSimulator>().PostsOf(n.ChannelId));
        Assert.Equal(post.Id, delivery.PlatformMessageId);
        Assert.Contains("停水通知", post.Text, StringComparison.Ordinal);
        Assert.True(MessageFormatter.XWeightedLength(post.Text) <= 280);
    }

    [Fact]
    public async Task A_bulletin_on_a_sandbox_Mastodon_account_becomes_one_status_even_when_sent_again()
    {
        var n = await factory.NewsroomAsync(0, "Mastodon", new() { [MastodonChannel.Visibility] = "unlisted" });

        var delivery = await SendAsync(n);

        var simulator = factory.Service<MastodonSimulator>();
        var status = Assert.Single(simulator.StatusesOf(n.ChannelId));
        Assert.Equal(status.Id, delivery.PlatformMessageId);
        Assert.Equal("unlisted", status.Visibility);
        Assert.Equal("it", status.Language);
        Assert.Equal(Delivery.IdempotencyKey(delivery.PostId, n.ChannelId, delivery.SubscriberId), status.IdempotencyKey);

        // The same delivery sent again (a retry after a lost answer): the Idempotency-Key gives back the same status.
        var account = await factory.AccountAsync(n.ChannelId);
        var retry = new OutboundMessage(
            delivery.Id, Delivery.IdempotencyKey(delivery.PostId, n.ChannelId, delivery.SubscriberId), account, null, 0,
            [new BulletinText("it", "Interruzione dell'acqua", "Domani **dalle 8 alle 12** manca l'acqua in via Roma."), new BulletinText("zh", "停水通知", "明天**8点到12点**罗马路停水。")],
            delivery.PostId, "acqua", PostPriority.Normal, 2);
        var again = await factory.Adapter<MastodonAdapter>().SendAsync(retry, CancellationToken.None);
        Assert.Equal(new SendResult.Sent(status.Id), again);
        Assert.Single(simulator.StatusesOf(n.ChannelId));
    }

    private async Task<Delivery> SendAsync(Newsroom n)
    {
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 60, "Sent");
        var delivery = Assert.Single(await factory.DeliveriesAsync(id));
        Assert.Equal(DeliveryState.Sent, delivery.State);
        Assert.Equal(0, delivery.SubscriberId);
        return delivery;
    }
}
