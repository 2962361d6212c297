using System.Net;
using System.Text.Json.Nodes;
using Piazza.Broadcast;
using Piazza.Server.Tests.Api;
using Xunit;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>
/// Thematic channels (Prato's "Prato Sport" on Telegram): the setting <c>topics</c> of a whole-channel platform names the
/// topics it publishes; a bulletin of another topic is refused on save (400, the channel's place in <c>channelIds</c>) and
/// on approval (the channel's id), and nothing is written.
/// </summary>
public sealed class ThematicChannelTests(BroadcastFactory factory) : IClassFixture<BroadcastFactory>
{
    private const string Message = "This thematic channel publishes other topics: choose one of its topics or another channel.";

    [Fact]
    public async Task A_thematic_channel_takes_only_bulletins_of_its_topics_on_save_and_on_approval()
    {
        var n = await factory.NewsroomAsync(subscribers: 3);
        var sport = await ThematicTelegramAsync(n, "@ProvaSport", " Sport , sport ");
        Assert.Equal("sport", (string?)sport["settings"]!["topics"]);
        var sportId = Guid.Parse(sport.Id());

        // A bulletin on water, on WhatsApp and on the sport channel: refused, the sport channel named by its place.
        var before = await factory.CountRowsAsync();
        var problem = await n.Author.SendProblemAsync(HttpMethod.Post, "/api/v1/bulletins", Bulletin(n.TopicId, n.ChannelId, sportId), HttpStatusCode.BadRequest);
        Assert.Equal(["channelIds[1]"], problem["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(Message, (string?)problem["errors"]!["channelIds[1]"]![0]);
        Assert.Equal(before["posts"], (await factory.CountRowsAsync())["posts"]);

        // On sport it is saved; moving it to water afterwards is refused and changes nothing.
        var created = await n.Author.PostJsonAsync("/api/v1/bulletins", Bulletin(n.OtherTopicId, sportId, n.ChannelId));
        var id = Guid.Parse(created.Id());
        var update = await n.Author.SendProblemAsync(HttpMethod.Put, $"/api/v1/bulletins/{id}", Bulletin(n.TopicId, sportId, n.ChannelId), HttpStatusCode.BadRequest);
        Assert.Equal(Message, (string?)update["errors"]!["channelIds[0]"]![0]);
        Assert.Equal(n.OtherTopicId.ToString(), (string?)(await n.Author.GetJsonAsync($"/api/v1/bulletins/{id}"))["topicId"]);

        // The channel turns to water while the bulletin waits for approval: the approval is blocked, naming the channel.
        var ready = await BroadcastFactory.ReadyBulletinAsync(n, topicId: n.OtherTopicId, channels: [sportId]);
        await ThematicTelegramAsync(n, "@ProvaSport", "acqua", sportId);
        var blockers = (await n.Approver.GetJsonAsync($"/api/v1/bulletins/{ready}"))["blockers"]!.AsObject();
        Assert.Equal(Message, (string?)blockers[$"channelIds.{sportId}"]![0]);
        var refused = await n.Approver.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{ready}/approve", new { }, HttpStatusCode.BadRequest);
        Assert.Equal(Message, (string?)refused["errors"]![$"channelIds.{sportId}"]![0]);
        Assert.Equal("InReview", (string?)(await n.Approver.GetJsonAsync($"/api/v1/bulletins/{ready}"))["state"]);
        Assert.Empty(await factory.DeliveriesAsync(ready));

        // Back to sport (and water: a channel may take several topics): approved, one post for the whole channel.
        await ThematicTelegramAsync(n, "@ProvaSport", "acqua,sport", sportId);
        await BroadcastFactory.ApproveAsync(n, ready);
        await BroadcastFactory.WaitForStateAsync(n, ready, 30, "Sent");
        var delivery = Assert.Single(await factory.DeliveriesAsync(ready));
        Assert.Equal(0, delivery.SubscriberId);
        Assert.Equal(DeliveryState.Sent, delivery.State);
    }

    [Fact]
    public async Task Topics_of_a_channel_must_be_the_organizations_and_only_a_public_telegram_channel_has_them()
    {
        var n = await factory.NewsroomAsync(subscribers: 0);
        var before = await factory.CountRowsAsync();
        var unknown = await n.Admin.SendProblemAsync(HttpMethod.Post, "/api/v1/channels", new
        {
            kind = "Mastodon", name = ApiHttp.Unique("Mastodon sport"), isSandbox = true, settings = new Dictionary<string, string> { ["topics"] = "sport,calcio" },
        }, HttpStatusCode.BadRequest);
        Assert.Equal("List keys of the organization's topics, separated by commas (e.g. sport,scuole).", (string?)unknown["errors"]!["settings.topics"]![0]);

        var bot = await n.Admin.SendProblemAsync(HttpMethod.Post, "/api/v1/channels", new
        {
            kind = "Telegram", name = ApiHttp.Unique("Bot sport"), isSandbox = true, settings = new Dictionary<string, string> { ["topics"] = "sport" },
        }, HttpStatusCode.BadRequest);
        Assert.Equal("Only a public channel (@name) publishes by topic: set it, or leave the topics empty.", (string?)bot["errors"]!["settings.topics"]![0]);

        // Another organization's topic key is not this one's.
        var (_, other) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Altrove"));
        await other.PostJsonAsync("/api/v1/topics", new { key = "biblioteca", names = new Dictionary<string, string> { ["it"] = "Biblioteca" } });
        var foreign = await n.Admin.SendProblemAsync(HttpMethod.Post, "/api/v1/channels", new
        {
            kind = "Facebook", name = ApiHttp.Unique("Biblioteca"), isSandbox = true, settings = new Dictionary<string, string> { ["topics"] = "biblioteca" },
        }, HttpStatusCode.BadRequest);
        Assert.NotNull(foreign["errors"]!["settings.topics"]);
        Assert.Equal(before["channels"], (await factory.CountRowsAsync())["channels"]);

        // A Facebook page and an X account may be thematic too; the rule is the same.
        var page = await n.Admin.PostJsonAsync("/api/v1/channels", new
        {
            kind = "Facebook", name = ApiHttp.Unique("Pagina sport"), isSandbox = true, settings = new Dictionary<string, string> { ["topics"] = "sport" },
        });
        var x = await n.Admin.PostJsonAsync("/api/v1/channels", new
        {
            kind = "X", name = ApiHttp.Unique("X acqua"), isSandbox = true, settings = new Dictionary<string, string> { ["topics"] = "acqua" },
        });
        var problem = await n.Author.SendProblemAsync(HttpMethod.Post, "/api/v1/bulletins", Bulletin(n.TopicId, Guid.Parse(page.Id()), Guid.Parse(x.Id())), HttpStatusCode.BadRequest);
        Assert.Equal(["channelIds[0]"], problem["errors"]!.AsObject().Select(e => e.Key));
        await n.Author.PostJsonAsync("/api/v1/bulletins", Bulletin(n.TopicId, Guid.Parse(x.Id()), n.ChannelId));
    }

    /// <summary>Creates (or, with <paramref name="id"/>, updates) a sandbox Telegram channel posting to <paramref name="username"/>.</summary>
    private static async Task<JsonNode> ThematicTelegramAsync(Newsroom n, string username, string topics, Guid? id = null)
    {
        var body = new
        {
            kind = "Telegram", name = "Canale tematico " + username, isSandbox = true,
            settings = new Dictionary<string, string> { ["channelUsername"] = username, ["topics"] = topics, ["rateLimit"] = "1000" },
        };
        return id is { } existing ? await n.Admin.PutJsonAsync($"/api/v1/channels/{existing}", body) : await n.Admin.PostJsonAsync("/api/v1/channels", body);
    }

    private static object Bulletin(Guid topicId, params Guid[] channels) => new
    {
        topicId,
        priority = "Normal",
        audience = "TopicSubscribers",
        channelIds = channels,
        bodies = new Dictionary<string, object> { ["it"] = new { title = "Partita al Lungobisenzio", markdown = "Domenica alle **15**." } },
    };
}
