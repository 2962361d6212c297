using System.Net;
using Microsoft.EntityFrameworkCore;
using Piazza.Campaigns;
using Piazza.Channels.Telegram;
using Piazza.Channels.WeChat;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.WeChat;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.Join;

/// <summary>
/// Flyer campaigns on WhatsApp and Telegram, through the API and the platforms' sandboxes over HTTP: a WhatsApp flyer's
/// link is the wa.me link of the channel's public number whose text is the subscribe keyword and the flyer's code, and
/// sending that text through the signed webhook subscribes with the flyer as source (and its topic); a Telegram flyer's
/// link is the bot's deep link, whose /start does the same. Campaigns count the followers they brought as WeChat's do.
/// WeChat's own QR code for the public pages is made once per account by the maintenance.
/// </summary>
public sealed class PlatformCampaignTests(JoinFactory factory) : IClassFixture<JoinFactory>
{
    [Fact]
    public async Task A_WhatsApp_flyers_prefilled_keyword_and_code_subscribe_through_the_webhook_with_the_flyer_as_source()
    {
        var n = await factory.NewsroomAsync(0, "WhatsApp");
        var channel = await n.Admin.GetJsonAsync($"/api/v1/channels/{n.ChannelId}");
        var number = (string)channel["settings"]!["phoneNumber"]!;
        Assert.Matches("^\\+1555[0-9]{7}$", number);

        var created = await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "Volantino mercato", scene = "mercato", topicId = n.TopicId });
        Assert.Equal("flyer:mercato", (string?)created["source"]);
        Assert.Equal("acqua", (string?)created["topicKey"]);
        var joinUrl = (string)created["joinUrl"]!;
        Assert.Equal($"https://wa.me/{number[1..]}?text=ATTIVA%20ISCRIZIONE%20t-acqua_c-mercato", joinUrl);
        Assert.Equal(joinUrl, (string?)created["joinUrls"]!["it"]);
        Assert.Equal($"https://wa.me/{number[1..]}?text=%E8%AE%A2%E9%98%85%20t-acqua_c-mercato", (string?)created["joinUrls"]!["zh"]);
        await using (var db = factory.Database.CreateContext())
        {
            var row = await db.FlyerCampaigns.IgnoreQueryFilters().SingleAsync(c => c.ChannelId == n.ChannelId);
            Assert.Equal(("acqua", (string?)null, (string?)null), (row.TopicKey, row.JoinUrl, row.Ticket));
        }

        Assert.Contains("topic acqua", Assert.Single(await factory.AuditAsync(n.OrganizationId, "campaign.created")).Detail, StringComparison.Ordinal);

        // Ada scans the Italian flyer: WhatsApp opens with the text written, she sends it as it is.
        var account = await factory.AccountAsync(n.ChannelId);
        var text = Uri.UnescapeDataString(joinUrl[(joinUrl.IndexOf("text=", StringComparison.Ordinal) + 5)..]);
        await factory.WhatsAppWritesAsync(account, "+393471000001", text);
        var ada = await factory.SubscriberAsync(n.ChannelId, "+393471000001");
        Assert.Equal("flyer:mercato", ada.Source);
        Assert.Equal(ConsentMethod.Keyword, ada.ConsentMethod);
        Assert.Equal("ATTIVA ISCRIZIONE t-acqua_c-mercato", ada.ConsentEvidence);
        Assert.Equal([n.TopicId], ada.Topics.Select(t => t.TopicId));
        Assert.Equal("it", ada.Language);
        Assert.StartsWith("Iscrizione attivata", (await factory.WhatsAppRepliesAsync(n.ChannelId, "+393471000001", 1))[0], StringComparison.Ordinal);

        // Wei scans the Chinese flyer; Bruno only sends the keyword (no flyer).
        var zh = (string)created["joinUrls"]!["zh"]!;
        await factory.WhatsAppWritesAsync(account, "+393471000002", Uri.UnescapeDataString(zh[(zh.IndexOf("text=", StringComparison.Ordinal) + 5)..]));
        var wei = await factory.SubscriberAsync(n.ChannelId, "+393471000002");
        Assert.Equal(("flyer:mercato", "zh"), (wei.Source, wei.Language));
        await factory.WhatsAppWritesAsync(account, "+393471000003", "ATTIVA ISCRIZIONE");
        Assert.Equal("keyword", (await factory.SubscriberAsync(n.ChannelId, "+393471000003")).Source);

        // Wei leaves: the campaign counts two in all, one still subscribed.
        await factory.WhatsAppWritesAsync(account, "+393471000002", "退订");
        await factory.WhatsAppRepliesAsync(n.ChannelId, "+393471000002", 2);
        await BroadcastWaitAsync(async () => (await n.Admin.GetJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns")).Items().Single() is var c
            && c.Int("activeFollowers") == 1 && c.Int("totalFollowers") == 2);
    }

    [Fact]
    public async Task A_Telegram_flyers_deep_link_starts_the_bot_with_its_code_and_the_campaign_counts_who_it_brought()
    {
        var n = await factory.NewsroomAsync(0, "Telegram");
        var account = await factory.AccountAsync(n.ChannelId);
        var bot = account.Setting(TelegramChannel.BotUsername)!;
        var created = await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "Locandina palazzetto", scene = "palazzetto", topicId = n.OtherTopicId });
        var joinUrl = (string)created["joinUrl"]!;
        Assert.Equal($"https://t.me/{bot}?start=t-sport_c-palazzetto", joinUrl);
        Assert.Equal(joinUrl, (string?)created["joinUrls"]!["zh"]);
        Assert.Equal((bot, "sport", "palazzetto"), TelegramDeepLink.Parse(joinUrl));

        // The app sends "/start <payload>" when the link is opened.
        Assert.Equal(200, await factory.TelegramBots.CitizenWritesAsync(account, 8101, "Giulia", "it", "/start " + joinUrl[(joinUrl.IndexOf("start=", StringComparison.Ordinal) + 6)..], CancellationToken.None));
        var giulia = await factory.SubscriberAsync(n.ChannelId, "8101");
        Assert.Equal(("flyer:palazzetto", "/start t-sport_c-palazzetto"), (giulia.Source, giulia.ConsentEvidence));
        Assert.Equal([n.OtherTopicId], giulia.Topics.Select(t => t.TopicId));
        var campaign = (await n.Admin.GetJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns")).Items().Single();
        Assert.Equal((1, 1), (campaign.Int("activeFollowers"), campaign.Int("totalFollowers")));

        // A code that does not fit a start parameter with its topic is refused; without the topic it fits.
        var scene = new string('s', 55);
        var tooLong = await n.Admin.SendProblemAsync(HttpMethod.Post, $"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "Lungo", scene, topicId = n.OtherTopicId }, HttpStatusCode.BadRequest);
        Assert.Equal("The scene is too long for the link: at most 62 characters, fewer with a topic (the link's code holds 64).", (string?)tooLong["errors"]!["scene"]![0]);
        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "Lungo", scene });
        var unknownTopic = await n.Admin.SendProblemAsync(HttpMethod.Post, $"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "X", scene = "x1", topicId = Guid.NewGuid() }, HttpStatusCode.BadRequest);
        Assert.Equal("There is no such topic.", (string?)unknownTopic["errors"]!["topicId"]![0]);

        // A public channel's members are not known to the bot: no campaigns there.
        var publicChannel = await n.Admin.PostJsonAsync("/api/v1/channels", new { kind = "Telegram", name = "Prato Sport", isSandbox = true, settings = new Dictionary<string, string> { ["channelUsername"] = "@PratoSport" } });
        var refused = await n.Admin.SendProblemAsync(HttpMethod.Post, $"/api/v1/channels/{publicChannel.Id()}/campaigns", new { name = "Volantino", scene = "v" }, HttpStatusCode.BadRequest);
        Assert.Equal(TelegramJoin.PublicChannelProblem, (string?)refused["errors"]!["channelId"]![0]);
    }

    [Fact]
    public async Task Campaigns_need_what_their_link_needs_and_only_WhatsApp_Telegram_and_WeChat_have_them()
    {
        var n = await factory.NewsroomAsync(0, "WhatsApp");
        // A live WhatsApp channel without its public number has no link to print.
        var live = await n.Admin.PostJsonAsync("/api/v1/channels", new
        {
            kind = "WhatsApp", name = "WhatsApp vero",
            settings = new Dictionary<string, string> { ["phoneNumberId"] = "1", ["businessAccountId"] = "2" },
            secrets = new Dictionary<string, string> { ["accessToken"] = "t", ["appSecret"] = "s", ["verifyToken"] = "v" },
        });
        var noNumber = await n.Admin.SendProblemAsync(HttpMethod.Post, $"/api/v1/channels/{live.Id()}/campaigns", new { name = "Volantino", scene = "v" }, HttpStatusCode.BadRequest);
        Assert.Equal("Set the channel's public phone number first: the flyers' QR codes open a chat with it.", (string?)noNumber["errors"]!["channelId"]![0]);
        var badNumber = await n.Admin.SendProblemAsync(HttpMethod.Put, $"/api/v1/channels/{live.Id()}", new
        {
            kind = "WhatsApp", name = "WhatsApp vero", settings = new Dictionary<string, string> { ["phoneNumberId"] = "1", ["businessAccountId"] = "2", ["phoneNumber"] = "0574 183600" },
        }, HttpStatusCode.BadRequest);
        Assert.NotNull(badNumber["errors"]!["settings.phoneNumber"]);

        var facebook = await n.Admin.PostJsonAsync("/api/v1/channels", new { kind = "Facebook", name = "Pagina", isSandbox = true });
        var refused = await n.Admin.SendProblemAsync(HttpMethod.Post, $"/api/v1/channels/{facebook.Id()}/campaigns", new { name = "Volantino", scene = "v" }, HttpStatusCode.BadRequest);
        Assert.Equal("QR campaigns are available for WhatsApp, Telegram and WeChat channels.", (string?)refused["errors"]!["channelId"]![0]);

        // Another organization's key does not see this channel's campaigns.
        var (_, stranger) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Altrove"));
        await stranger.SendProblemAsync(HttpMethod.Post, $"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "Rubato", scene = "rubato" }, HttpStatusCode.NotFound);

        await using var db = factory.Database.CreateContext();
        Assert.False(await db.FlyerCampaigns.IgnoreQueryFilters().AnyAsync(c => c.OrganizationId == n.OrganizationId));
    }

    [Fact]
    public async Task The_maintenance_makes_a_WeChat_accounts_QR_code_for_the_public_pages_once()
    {
        var n = await factory.NewsroomAsync(0, "WeChat");
        var maintenance = factory.Service<WeChatMaintenance>();
        await maintenance.EnsureWebsiteQrCodeAsync(n.ChannelId, CancellationToken.None);
        await maintenance.EnsureWebsiteQrCodeAsync(n.ChannelId, CancellationToken.None);

        var campaign = Assert.Single((await n.Admin.GetJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns")).Items());
        Assert.Equal(FlyerCampaign.WebsiteScene, (string?)campaign["scene"]);
        Assert.StartsWith("http://weixin.qq.com/q/", (string)campaign["joinUrl"]!, StringComparison.Ordinal);
        var scene = Assert.Single(factory.WeChat.Scenes(n.ChannelId));
        Assert.Equal((FlyerCampaign.WebsiteScene, true), (scene.Scene, scene.Permanent));
        var audit = Assert.Single(await factory.AuditAsync(n.OrganizationId, "campaign.created"));
        Assert.Equal("system", audit.ActorName);

        // Who follows from it comes from the website.
        var follower = await new WeChatFollower(factory).FollowAsync(n.ChannelId, "Zhang Wei", FlyerCampaign.WebsiteScene);
        Assert.Equal("flyer:website", follower.Source);
    }

    private static Task BroadcastWaitAsync(Func<Task<bool>> condition) => Broadcast.BroadcastFactory.WaitUntilAsync(condition, 20, "the campaign's counts");

    /// <summary>A follower of a sandbox WeChat account on the simulated phone.</summary>
    private sealed class WeChatFollower(JoinFactory factory)
    {
        public async Task<Subscriber> FollowAsync(Guid channelId, string name, string? scene)
        {
            var account = await factory.AccountAsync(channelId);
            Assert.Equal(Piazza.Channels.WeChat.Simulator.WeChatPhoneProblem.None, factory.WeChat.Follow(account, name, scene));
            return await factory.SubscriberAsync(channelId, Piazza.Channels.WeChat.Simulator.WeChatSimulator.OpenIdOf(channelId, name));
        }
    }
}
