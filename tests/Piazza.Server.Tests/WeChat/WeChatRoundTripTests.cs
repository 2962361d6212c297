using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.WeChat;
using Piazza.Posts;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>
/// The whole WeChat round trip over the public HTTP endpoints, with the sandbox service account in safe mode: a
/// follower scans a flyer's QR code on the simulated phone, the simulator posts the encrypted follow event to
/// /hooks/wechat, the welcome comes back as the passive reply; another follower switches to Italian with "TEMI"; a
/// bulletin goes out as one mass send per language to the topic's WeChat tags (created and filled through the tags
/// API), each follower gets their language, MASSSENDJOBFINISH completes the deliveries, a repeated send is recognised by
/// its clientmsgid, and an unfollow unsubscribes.
/// </summary>
public sealed class WeChatRoundTripTests(WeChatLiveFactory factory) : IClassFixture<WeChatLiveFactory>
{
    [Fact]
    public async Task Followers_from_a_flyer_get_the_welcome_then_the_bulletin_in_their_language_by_mass_send_per_tag()
    {
        var n = await factory.NewsroomAsync(0, "WeChat", new() { ["accountType"] = "service", ["requiredLanguages"] = "zh,it" });
        var account = await factory.AccountAsync(n.ChannelId);
        Assert.NotNull(account.Secret(WeChatChannel.EncodingAesKey)); // safe mode
        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "Volantino via Roma", scene = "via-roma-2026" });

        // Lin scans the flyer: subscribed from it, Chinese first, welcomed in Chinese and Italian.
        var lin = await factory.FollowAsync(account, "Lin", "via-roma-2026");
        Assert.Equal("flyer:via-roma-2026", lin.Source);
        Assert.Equal(ConsentMethod.Follow, lin.ConsentMethod);
        Assert.Equal("zh", lin.Language);
        await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(Seen(account, "Lin", "欢迎关注") && Seen(account, "Lin", "Benvenuto")), 20, "the welcome on Lin's phone");

        // Marco follows and writes TEMI: Italian from now on.
        var marco = await factory.FollowAsync(account, "Marco");
        Assert.Equal(Channels.WeChat.Simulator.WeChatPhoneProblem.None, factory.Simulator.Send(account, "Marco", "TEMI"));
        await BroadcastFactory.WaitUntilAsync(async () =>
        {
            await using var db = factory.Database.CreateContext();
            return (await db.Subscribers.IgnoreQueryFilters().SingleAsync(s => s.Id == marco.Id)).Language == "it";
        }, 20, "Marco in Italian");

        // The bulletin: one mass send per language, to the topic's tags.
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 60, "Sent");
        await BroadcastFactory.WaitUntilAsync(async () =>
        {
            await using var db = factory.Database.CreateContext();
            // (The end of a mass send may come before the adapter recorded it: its row is then completed a moment later.)
            return await db.Deliveries.IgnoreQueryFilters().Where(d => d.PostId == id).AllAsync(d => d.State == DeliveryState.Delivered)
                && await db.WeChatMassSends.IgnoreQueryFilters().Where(m => m.PostId == id).CountAsync(m => m.Status != null) == 2;
        }, 20, "MASSSENDJOBFINISH delivered both mass sends");

        Assert.True(Seen(account, "Lin", "停水通知"));
        Assert.False(Seen(account, "Lin", "Interruzione dell'acqua"));
        Assert.True(Seen(account, "Marco", "Interruzione dell'acqua"));
        Assert.False(Seen(account, "Marco", "停水通知"));

        await using (var db = factory.Database.CreateContext())
        {
            var deliveries = await db.Deliveries.IgnoreQueryFilters().Where(d => d.PostId == id).OrderBy(d => d.SubscriberId).ToListAsync();
            Assert.Equal([-2L, -1L], deliveries.Select(d => d.SubscriberId)); // the groups: it (−1) and zh (−2), the organization's order
            var sends = await db.WeChatMassSends.IgnoreQueryFilters().Where(m => m.PostId == id).ToListAsync();
            Assert.Equal(2, sends.Count);
            Assert.All(sends, s => Assert.Equal("send success", s.Status));
            Assert.All(sends, s => Assert.Equal(1, s.SentCount));
            Assert.Equal(["acqua:it", "acqua:zh"], (await db.WeChatTags.Where(t => t.ChannelId == n.ChannelId).Select(t => t.Key).ToListAsync()).Order().ToList());
        }

        // The tags exist on WeChat, with the names Piazza gave them.
        var tags = await factory.Services.GetRequiredService<WeChatApi>().TagsAsync(account, CancellationToken.None);
        Assert.Contains(tags, t => t.Name == "Piazza acqua zh");
        Assert.Contains(tags, t => t.Name == "Piazza acqua it");

        // The same delivery sent again (a retry after a lost answer): WeChat recognises the clientmsgid, Lin gets it once.
        await using (var db = factory.Database.CreateContext())
        {
            var zh = await db.Deliveries.IgnoreQueryFilters().SingleAsync(d => d.PostId == id && d.Language == "zh");
            var channel = await factory.Services.GetRequiredService<EngineData>().LoadChannelAsync(db, n.ChannelId, CancellationToken.None);
            var again = await factory.Services.GetServices<IChannelAdapter>().OfType<WeChatAdapter>().Single().SendAsync(new OutboundMessage(
                zh.Id, Delivery.IdempotencyKey(id, n.ChannelId, zh.SubscriberId), channel!.Account, null, zh.SubscriberId,
                [new BulletinText("zh", "停水通知", "明天**8点到12点**罗马路停水。")], id, "acqua", PostPriority.Normal, 2, Group: "zh"), CancellationToken.None);
            Assert.Equal(zh.PlatformMessageId, Assert.IsType<SendResult.Sent>(again).PlatformMessageId);
        }

        Assert.Equal(1, factory.Simulator.Conversation(account.Id, WeChatSimulatorOpenId(account, "Lin")).Count(m => Text(m).Contains("停水通知", StringComparison.Ordinal)));

        // Lin unfollows: left at once.
        Assert.Equal(Channels.WeChat.Simulator.WeChatPhoneProblem.None, factory.Simulator.Unfollow(account, "Lin"));
        await BroadcastFactory.WaitUntilAsync(async () =>
        {
            await using var db = factory.Database.CreateContext();
            return (await db.Subscribers.IgnoreQueryFilters().SingleAsync(s => s.Id == lin.Id)).Status == SubscriberStatus.Left;
        }, 20, "Lin left");
    }

    private static string WeChatSimulatorOpenId(ChannelAccount account, string follower) => Channels.WeChat.Simulator.WeChatSimulator.OpenIdOf(account.Id, follower);

    private static string Text(Channels.WeChat.Simulator.WeChatPhoneMessage m) => $"{m.Text}\n{m.Title}\n{m.Content}";

    private bool Seen(ChannelAccount account, string follower, string text) =>
        factory.Simulator.Conversation(account.Id, WeChatSimulatorOpenId(account, follower)).Any(m => Text(m).Contains(text, StringComparison.Ordinal));
}
