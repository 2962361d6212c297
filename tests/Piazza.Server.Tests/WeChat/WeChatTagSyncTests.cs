using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Channels;
using Piazza.Channels.WeChat;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Server.Tests.Broadcast;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>
/// The WeChat tags follow Piazza's subscribers through the tags API (the simulator over HTTP): one tag per topic (and
/// one for everyone) per language; a follower who changes language or topics is moved between tags
/// (<c>batchtagging</c> / <c>batchuntagging</c>), and one who unfollows is dropped; the account's menu is published
/// from the auto-reply entries.
/// </summary>
public sealed class WeChatTagSyncTests(WeChatLiveFactory factory) : IClassFixture<WeChatLiveFactory>
{
    [Fact]
    public async Task Followers_are_moved_between_tags_as_their_language_and_topics_change()
    {
        var n = await factory.NewsroomAsync(0, "WeChat", new()
        {
            ["accountType"] = "service", ["requiredLanguages"] = "zh,it",
            ["autoReplies"] = "ORARI|营业时间: Lun-ven 9-13\nINDIRIZZO|地址: Via Roma 101",
        });
        var account = await factory.AccountAsync(n.ChannelId);
        var maintenance = factory.Services.GetRequiredService<WeChatMaintenance>();
        var lin = await factory.FollowAsync(account, "Lin");
        var marco = await factory.FollowAsync(account, "Marco");

        await maintenance.SyncChannelAsync(n.ChannelId, CancellationToken.None);
        var tags = await TagsAsync(n.ChannelId);
        Assert.Equal(["*:it", "*:zh", "acqua:it", "acqua:zh", "sport:it", "sport:zh"], tags.Keys.Order(StringComparer.Ordinal).ToList());
        Assert.Equal(Ids(tags, "*:zh", "acqua:zh", "sport:zh"), await TagsOnWeChatAsync(account, marco.Address));
        Assert.Equal(Ids(tags, "*:zh", "acqua:zh", "sport:zh"), await TagsOnWeChatAsync(account, lin.Address));

        // Marco writes TEMI (Italian), then chooses topic 2 (sport) only.
        Assert.Equal(WeChatPhoneProblem.None, factory.Simulator.Send(account, "Marco", "TEMI"));
        await BroadcastFactory.WaitUntilAsync(async () => (await SubscriberAsync(marco.Id)).Language == "it", 20, "Marco in Italian");
        Assert.Equal(WeChatPhoneProblem.None, factory.Simulator.Send(account, "Marco", "2"));
        await BroadcastFactory.WaitUntilAsync(async () =>
        {
            await using var db = factory.Database.CreateContext();
            return await db.SubscriberTopics.IgnoreQueryFilters().Where(t => t.SubscriberId == marco.Id).Select(t => t.TopicId).ToListAsync() is [var only] && only == n.OtherTopicId;
        }, 20, "Marco follows sport only");

        await maintenance.SyncChannelAsync(n.ChannelId, CancellationToken.None);
        Assert.Equal(Ids(tags, "*:it", "sport:it"), await TagsOnWeChatAsync(account, marco.Address));
        Assert.Equal(Ids(tags, "*:zh", "acqua:zh", "sport:zh"), await TagsOnWeChatAsync(account, lin.Address));
        await using (var db = factory.Database.CreateContext())
        {
            var marcoTags = await db.WeChatTagMembers.Where(m => m.SubscriberId == marco.Id).Select(m => m.TagId).ToListAsync();
            Assert.Equal(Ids(tags, "*:it", "sport:it"), marcoTags.Order().ToList());
        }

        // Lin unfollows: dropped from Piazza's record of the tags (WeChat no longer sends to them anyway).
        Assert.Equal(WeChatPhoneProblem.None, factory.Simulator.Unfollow(account, "Lin"));
        await BroadcastFactory.WaitUntilAsync(async () => (await SubscriberAsync(lin.Id)).Status == SubscriberStatus.Left, 20, "Lin left");
        await maintenance.SyncChannelAsync(n.ChannelId, CancellationToken.None);
        await using (var db = factory.Database.CreateContext())
        {
            Assert.False(await db.WeChatTagMembers.AnyAsync(m => m.SubscriberId == lin.Id));
        }

        // The menu: one CLICK button per auto-reply entry, its key the entry's.
        var menu = factory.Simulator.Menu(account.Id);
        Assert.Equal(2, menu.Count);
    }

    private static List<int> Ids(Dictionary<string, int> tags, params string[] keys) => keys.Select(k => tags[k]).Order().ToList();

    private async Task<Dictionary<string, int>> TagsAsync(Guid channelId)
    {
        await using var db = factory.Database.CreateContext();
        return await db.WeChatTags.Where(t => t.ChannelId == channelId).ToDictionaryAsync(t => t.Key, t => t.TagId);
    }

    private async Task<Subscriber> SubscriberAsync(long id)
    {
        await using var db = factory.Database.CreateContext();
        return await db.Subscribers.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.Id == id);
    }

    /// <summary>The follower's tags as WeChat holds them (<c>tags/getidlist</c>).</summary>
    private async Task<List<int>> TagsOnWeChatAsync(ChannelAccount account, string openId)
    {
        var json = await factory.Services.GetRequiredService<WeChatApi>().CallAsync(account, "tags/getidlist", new JsonObject { ["openid"] = openId }, CancellationToken.None);
        return json!["tagid_list"]!.AsArray().Select(t => t!.GetValue<int>()).Order().ToList();
    }
}
