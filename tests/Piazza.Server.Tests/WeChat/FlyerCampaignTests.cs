using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Piazza.Campaigns;
using Piazza.Server.Tests.Api;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>
/// Flyer QR campaigns through the API: a WeChat channel's campaign is a permanent parameter QR code made by the sandbox's
/// simulator over HTTP; followers who scan it (on the simulated phone, through the webhook and the inbound processor) are
/// counted for it. Invalid input is a 400 problem naming the fields, a platform refusal a 409 that stores nothing, and
/// only those who manage channels create campaigns, in their own organization.
/// </summary>
public sealed class FlyerCampaignTests(WeChatLiveFactory factory) : IClassFixture<WeChatLiveFactory>
{
    [Fact]
    public async Task A_campaign_gets_a_WeChat_QR_code_and_counts_the_followers_it_brought()
    {
        var n = await factory.WeChatNewsroomAsync();
        var created = await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "  Volantino   mercato di via Pistoiese ", scene = "mercato-2026_11" });
        Assert.Equal("Volantino mercato di via Pistoiese", (string?)created["name"]);
        Assert.Equal("mercato-2026_11", (string?)created["scene"]);
        Assert.Equal("flyer:mercato-2026_11", (string?)created["source"]);
        var joinUrl = (string)created["joinUrl"]!;
        Assert.StartsWith("http://weixin.qq.com/q/", joinUrl, StringComparison.Ordinal);
        Assert.Equal((0, 0), (created.Int("activeFollowers"), created.Int("totalFollowers")));

        // Stored with WeChat's ticket, which the simulator knows for that scene.
        await using (var db = factory.Database.CreateContext())
        {
            var row = await db.FlyerCampaigns.IgnoreQueryFilters().SingleAsync(c => c.Id == Guid.Parse(created.Id()));
            Assert.Equal(joinUrl, row.JoinUrl);
            Assert.False(string.IsNullOrEmpty(row.Ticket));
            Assert.Equal(n.OrganizationId, row.OrganizationId);
            Assert.Contains(factory.Simulator.Scenes(n.ChannelId), s => s.Scene == "mercato-2026_11" && s.Ticket == row.Ticket && s.Permanent);
        }

        var audit = Assert.Single(await factory.AuditAsync(n.OrganizationId, "campaign.created"));
        Assert.Equal(created.Id(), audit.ObjectId);
        Assert.Contains("mercato-2026_11", audit.Detail, StringComparison.Ordinal);

        // Two people scan the flyer, one follows by searching the account, and one the flyer brought earlier has left.
        var account = await factory.AccountAsync(n.ChannelId);
        var li = await factory.FollowAsync(account, "Li Wei", "mercato-2026_11");
        Assert.Equal("flyer:mercato-2026_11", li.Source);
        await factory.FollowAsync(account, "Chen Jing", "mercato-2026_11");
        var searching = await factory.FollowAsync(account, "Zhao Lei");
        Assert.NotEqual("flyer:mercato-2026_11", searching.Source);
        await using (var db = factory.Database.CreateContext())
        {
            db.Subscribers.Add(new Subscriber
            {
                OrganizationId = n.OrganizationId, ChannelId = n.ChannelId, Address = "oLeftTheAccount0000000000001", Status = SubscriberStatus.Left,
                SubscribedAt = DateTime.UtcNow.AddDays(-3), LeftAt = DateTime.UtcNow, ConsentAt = DateTime.UtcNow.AddDays(-3), ConsentMethod = ConsentMethod.Follow,
                ConsentEvidence = "qrscene_mercato-2026_11", PolicyVersion = "1", Source = FlyerCampaign.SourceOf("mercato-2026_11"),
            });
            await db.SaveChangesAsync();
        }

        // A second campaign nobody scanned yet.
        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "Manifesto biblioteca", scene = "biblioteca" });

        var list = (await n.Admin.GetJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns")).Items().ToList();
        Assert.Equal(["biblioteca", "mercato-2026_11"], list.Select(c => (string)c["scene"]!));
        Assert.Equal((2, 3), (list[1].Int("activeFollowers"), list[1].Int("totalFollowers")));
        Assert.Equal((0, 0), (list[0].Int("activeFollowers"), list[0].Int("totalFollowers")));
    }

    [Fact]
    public async Task Invalid_campaigns_are_refused_field_by_field_as_problem_json_and_nothing_is_stored()
    {
        var n = await factory.WeChatNewsroomAsync();
        var url = $"/api/v1/channels/{n.ChannelId}/campaigns";

        var empty = await n.Admin.SendProblemAsync(HttpMethod.Post, url, new { name = " ", scene = "" }, HttpStatusCode.BadRequest);
        Assert.Equal(["name", "scene"], empty["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("A name is required.", empty["errors"]!["name"]!.AsArray().Select(e => (string?)e));

        var tooLong = await n.Admin.SendProblemAsync(HttpMethod.Post, url, new { name = new string('n', 201), scene = new string('s', 65) }, HttpStatusCode.BadRequest);
        Assert.Equal("The name is longer than 200 characters.", (string?)tooLong["errors"]!["name"]![0]);
        Assert.Equal("The scene is longer than 64 characters.", (string?)tooLong["errors"]!["scene"]![0]);

        foreach (var scene in new[] { "via roma", "volantino/1", "città", "a.b", "qrscene_x?y" })
        {
            var bad = await n.Admin.SendProblemAsync(HttpMethod.Post, url, new { name = "Volantino", scene }, HttpStatusCode.BadRequest);
            Assert.Equal("The scene may contain only letters (a–z, A–Z), digits, '-' and '_'.", (string?)bad["errors"]!["scene"]![0]);
        }

        // 64 characters is allowed; the same scene twice on the channel is not.
        var longest = new string('x', 63) + "9";
        await n.Admin.PostJsonAsync(url, new { name = "Il più lungo", scene = longest });
        var twice = await n.Admin.SendProblemAsync(HttpMethod.Post, url, new { name = "Di nuovo", scene = longest }, HttpStatusCode.BadRequest);
        Assert.Equal("Another campaign of this channel already has this scene.", (string?)twice["errors"]!["scene"]![0]);

        // Another WeChat channel of the organization may use the same scene (scenes are per account).
        var other = await n.Admin.PostJsonAsync("/api/v1/channels", new { kind = "WeChat", name = "Secondo account", isSandbox = true });
        await n.Admin.PostJsonAsync($"/api/v1/channels/{other.Id()}/campaigns", new { name = "Stessa scena", scene = longest });

        // QR campaigns are for the platforms people join by a link (WhatsApp, Telegram, WeChat), not for a Facebook page.
        var facebook = await n.Admin.PostJsonAsync("/api/v1/channels", new { kind = "Facebook", name = "Pagina", isSandbox = true });
        var refused = await n.Admin.SendProblemAsync(HttpMethod.Post, $"/api/v1/channels/{facebook.Id()}/campaigns", new { name = "Volantino", scene = "volantino" }, HttpStatusCode.BadRequest);
        Assert.Equal("QR campaigns are available for WhatsApp, Telegram and WeChat channels.", (string?)refused["errors"]!["channelId"]![0]);
        Assert.Empty((await n.Admin.GetJsonAsync($"/api/v1/channels/{facebook.Id()}/campaigns")).AsArray());

        // A WeChat QR code subscribes to every topic: a topic is refused.
        var topic = await n.Admin.SendProblemAsync(HttpMethod.Post, url, new { name = "Volantino", scene = "con-tema", topicId = n.TopicId }, HttpStatusCode.BadRequest);
        Assert.Equal("Following a WeChat account subscribes to every topic: leave the topic empty.", (string?)topic["errors"]!["topicId"]![0]);

        // A body that is not JSON of the right shape.
        await n.Admin.SendProblemAsync(HttpMethod.Post, url, """{"name":"x","scene":"y","ticket":"mine"}""", HttpStatusCode.BadRequest);

        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.FlyerCampaigns.IgnoreQueryFilters().CountAsync(c => c.ChannelId == n.ChannelId));
        Assert.Equal(2, (await factory.AuditAsync(n.OrganizationId, "campaign.created")).Count);
    }

    [Fact]
    public async Task Those_who_see_the_channel_list_its_campaigns_only_channel_managers_create_and_other_organizations_get_404()
    {
        var n = await factory.WeChatNewsroomAsync();
        var url = $"/api/v1/channels/{n.ChannelId}/campaigns";
        await n.Admin.PostJsonAsync(url, new { name = "Volantino", scene = "volantino" });

        // channels:read lists, and may not create.
        var reader = factory.ClientWithKey(await factory.CreateApiKeyAsync(n.OrganizationId, "channels:read", "lettura"));
        Assert.Single((await reader.GetJsonAsync(url)).AsArray());
        var forbidden = await reader.SendProblemAsync(HttpMethod.Post, url, new { name = "Mio", scene = "mio" }, HttpStatusCode.Forbidden);
        Assert.Contains("channels:write", (string?)forbidden["detail"], StringComparison.Ordinal);
        // Without channels:read nothing is listed.
        await n.Translator.SendProblemAsync(HttpMethod.Get, url, null, HttpStatusCode.Forbidden);

        // Another organization's key: the channel does not exist for it.
        var (_, stranger) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Altrove"));
        await stranger.SendProblemAsync(HttpMethod.Get, url, null, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Post, url, new { name = "Rubato", scene = "rubato" }, HttpStatusCode.NotFound);
        await n.Admin.SendProblemAsync(HttpMethod.Get, $"/api/v1/channels/{Guid.NewGuid()}/campaigns", null, HttpStatusCode.NotFound);

        await using var db = factory.Database.CreateContext();
        Assert.Equal(["volantino"], await db.FlyerCampaigns.IgnoreQueryFilters().Where(c => c.ChannelId == n.ChannelId).Select(c => c.Scene).ToListAsync());
    }

    [Fact]
    public async Task When_WeChat_refuses_the_QR_code_nothing_is_stored_and_the_answer_says_why()
    {
        // A live WeChat channel whose API is a small fake on 127.0.0.1 that gives tokens and refuses QR codes as WeChat
        // does when an account has made too many.
        await using var fake = await RefusingWeChat.StartAsync();
        var n = await factory.WeChatNewsroomAsync();
        var live = await n.Admin.PostJsonAsync("/api/v1/channels", new
        {
            kind = "WeChat",
            name = "Account vero",
            settings = new Dictionary<string, string> { ["baseUrl"] = fake.BaseUrl, ["appId"] = "wx0123456789abcdef" },
            secrets = new Dictionary<string, string> { ["appSecret"] = "segreto", ["token"] = "token" },
        });
        var problem = await n.Admin.SendProblemAsync(HttpMethod.Post, $"/api/v1/channels/{live.Id()}/campaigns", new { name = "Volantino", scene = "volantino" }, HttpStatusCode.Conflict);
        Assert.Contains("WeChat refused to create the QR code", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Contains("45029 qrcode count out of limit", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(1, fake.QrCodeCalls);

        await using var db = factory.Database.CreateContext();
        Assert.False(await db.FlyerCampaigns.IgnoreQueryFilters().AnyAsync(c => c.ChannelId == Guid.Parse(live.Id())));
        Assert.Empty(await factory.AuditAsync(n.OrganizationId, "campaign.created"));
    }

    /// <summary>WeChat's API as far as a refused QR code goes: <c>GET token</c> answers a token, <c>POST qrcode/create</c>
    /// error 45029.</summary>
    private sealed class RefusingWeChat : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _qrCodeCalls;

        private RefusingWeChat(WebApplication app) => _app = app;

        public string BaseUrl => _app.Urls.First() + "/cgi-bin/";

        public int QrCodeCalls => Volatile.Read(ref _qrCodeCalls);

        public static async Task<RefusingWeChat> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var fake = new RefusingWeChat(app);
            app.MapGet("/cgi-bin/token", () => Results.Json(new JsonObject { ["access_token"] = "fake-token", ["expires_in"] = 7200 }));
            app.MapPost("/cgi-bin/qrcode/create", () =>
            {
                Interlocked.Increment(ref fake._qrCodeCalls);
                return Results.Json(new JsonObject { ["errcode"] = 45029, ["errmsg"] = "qrcode count out of limit" });
            });
            await app.StartAsync();
            return fake;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
