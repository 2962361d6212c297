using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Posts;
using Piazza.Server.Hosting;
using Piazza.Server.Tests.Api;
using Xunit;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>The bulletin workflow's rules through /api/v1: what cannot be approved and why, who may do what,
/// invalid input, cancelling, deleting, previews — and that a refused request writes nothing.</summary>
public sealed class BulletinApiTests(BroadcastFactory factory) : IClassFixture<BroadcastFactory>
{
    [Fact]
    public async Task A_bulletin_without_a_language_its_channel_requires_cannot_be_approved_and_the_answer_says_which()
    {
        var n = await factory.NewsroomAsync(subscribers: 3); // the channel requires it and zh
        var created = await n.Author.PostJsonAsync("/api/v1/bulletins", new
        {
            topicId = n.TopicId, channelIds = new[] { n.ChannelId },
            bodies = new Dictionary<string, object> { ["it"] = new { title = "Solo in italiano", markdown = "Testo." } },
        });
        var id = created.Id();
        var submitted = await n.Author.PostJsonAsync($"/api/v1/bulletins/{id}/submit", null, HttpStatusCode.OK);
        Assert.Equal("InTranslation", (string?)submitted["state"]);
        Assert.Equal(["it", "zh"], submitted["requiredLanguages"]!.Items().Select(l => (string)l!));
        Assert.Equal("A channel of this bulletin needs text in this language.", (string?)submitted["blockers"]!["bodies.zh"]![0]);

        var before = await factory.CountRowsAsync();
        var problem = await n.Approver.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/approve", new { }, HttpStatusCode.BadRequest);
        Assert.Equal("A channel of this bulletin needs text in this language.", (string?)problem["errors"]!["bodies.zh"]![0]);
        Assert.NotNull(problem["errors"]!["state"]);
        Assert.Equal(before, await factory.CountRowsAsync());
        Assert.Equal("InTranslation", (string?)(await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}"))["state"]);

        // A translation that is written but not reviewed blocks it too.
        await n.Translator.PutJsonAsync($"/api/v1/bulletins/{id}/bodies/zh", new { title = "只有中文", markdown = "文本。" });
        var unreviewed = await n.Approver.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/approve", new { }, HttpStatusCode.BadRequest);
        Assert.Equal("This translation has not been reviewed yet.", (string?)unreviewed["errors"]!["bodies.zh"]![0]);
    }

    [Fact]
    public async Task Approving_ones_own_bulletin_is_refused()
    {
        var n = await factory.NewsroomAsync(subscribers: 2);
        var both = factory.ClientWithKey(await factory.CreateApiKeyAsync(n.OrganizationId, "bulletins:read bulletins:write bulletins:translate bulletins:approve", "tutto-fare"));
        var created = await both.PostJsonAsync("/api/v1/bulletins", new
        {
            topicId = n.TopicId, channelIds = new[] { n.ChannelId },
            bodies = new Dictionary<string, object> { ["it"] = new { title = "Titolo", markdown = "Testo." }, ["zh"] = new { title = "标题", markdown = "文本。" } },
        });
        var id = created.Id();
        await both.PostJsonAsync($"/api/v1/bulletins/{id}/submit", null, HttpStatusCode.OK);
        var reviewed = await both.PostJsonAsync($"/api/v1/bulletins/{id}/bodies/zh/review", null, HttpStatusCode.OK);
        Assert.Equal("InReview", (string?)reviewed["state"]);

        var problem = await both.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/approve", new { }, HttpStatusCode.BadRequest);
        Assert.Equal("You wrote this bulletin: another approver must approve it.", (string?)problem["errors"]!["approver"]![0]);
        Assert.Equal("InReview", (string?)(await both.GetJsonAsync($"/api/v1/bulletins/{id}"))["state"]);
        await n.Approver.PostJsonAsync($"/api/v1/bulletins/{id}/approve", new { }, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Invalid_bulletins_are_refused_field_by_field_and_nothing_is_written()
    {
        var n = await factory.NewsroomAsync(subscribers: 0);
        var before = await factory.CountRowsAsync();
        var problem = await n.Author.SendProblemAsync(HttpMethod.Post, "/api/v1/bulletins", new
        {
            topicId = Guid.NewGuid(),
            channelIds = new[] { n.ChannelId, Guid.NewGuid() },
            bodies = new Dictionary<string, object>
            {
                ["it"] = new { title = new string('t', 201), markdown = new string('m', 20_001) },
                ["fr"] = new { title = "Bonjour", markdown = "Texte." },
                ["zh"] = new { title = "", markdown = "没有标题" },
            },
        }, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["bodies.fr", "bodies.it.markdown", "bodies.it.title", "bodies.zh.title", "channelIds[1]", "topicId"], errors);
        await n.Author.SendProblemAsync(HttpMethod.Post, "/api/v1/bulletins", """{"topicId":"x","priority":"Loud"}""", HttpStatusCode.BadRequest);
        await n.Author.SendProblemAsync(HttpMethod.Post, "/api/v1/bulletins", new { topicId = n.TopicId, priority = "Loud" }, HttpStatusCode.BadRequest);
        // Sending an empty draft for translation is refused too.
        var draft = await n.Author.PostJsonAsync("/api/v1/bulletins", new { topicId = n.TopicId, bodies = new Dictionary<string, object> { ["it"] = new { title = "Bozza", markdown = "" } } });
        var submit = await n.Author.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{draft.Id()}/submit", null, HttpStatusCode.BadRequest);
        Assert.NotNull(submit["errors"]!["bodies.it.markdown"]);
        Assert.NotNull(submit["errors"]!["channelIds"]);
        Assert.Equal("Draft", (string?)(await n.Author.GetJsonAsync($"/api/v1/bulletins/{draft.Id()}"))["state"]);
        var after = await factory.CountRowsAsync();
        Assert.Equal(before["posts"] + 1, after["posts"]);
    }

    [Fact]
    public async Task Each_role_does_only_its_part_and_other_organizations_see_nothing()
    {
        var n = await factory.NewsroomAsync(subscribers: 1);
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        var body = new { topicId = n.TopicId, channelIds = new[] { n.ChannelId } };
        await n.Translator.SendProblemAsync(HttpMethod.Put, $"/api/v1/bulletins/{id}", body, HttpStatusCode.Forbidden);
        await n.Approver.SendProblemAsync(HttpMethod.Post, "/api/v1/bulletins", body, HttpStatusCode.Forbidden);
        await n.Author.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/bodies/zh/review", null, HttpStatusCode.Forbidden);
        await n.Author.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/approve", new { }, HttpStatusCode.Forbidden);
        var reader = factory.ClientWithKey(await factory.CreateApiKeyAsync(n.OrganizationId, "topics:read", "sito"));
        await reader.SendProblemAsync(HttpMethod.Get, $"/api/v1/bulletins/{id}", null, HttpStatusCode.Forbidden);

        var (_, stranger) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Altrove"));
        await stranger.SendProblemAsync(HttpMethod.Get, $"/api/v1/bulletins/{id}", null, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Get, $"/api/v1/bulletins/{id}/progress", null, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Get, $"/api/v1/bulletins/{id}/deliveries", null, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/approve", new { }, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/cancel", new { }, HttpStatusCode.NotFound);
        Assert.Equal(0, (int)(await stranger.GetJsonAsync("/api/v1/bulletins"))["total"]!);
        await stranger.SendProblemAsync(HttpMethod.Post, "/api/v1/bulletins", new
        {
            topicId = n.TopicId, channelIds = new[] { n.ChannelId }, bodies = new Dictionary<string, object> { ["it"] = new { title = "x", markdown = "y" } },
        }, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Staff_review_only_the_languages_they_translate()
    {
        var n = await factory.NewsroomAsync(subscribers: 1);
        var created = await n.Admin.PostJsonAsync("/api/v1/users", new { email = $"mediatore.{Guid.NewGuid():N}@prova.example", displayName = "Mediatore", roles = new[] { new { role = "Translator", language = "it" } } });
        var userId = Guid.Parse((string)created["user"]!["id"]!);
        var id = await n.Author.PostJsonAsync("/api/v1/bulletins", new
        {
            topicId = n.TopicId, channelIds = new[] { n.ChannelId },
            bodies = new Dictionary<string, object> { ["it"] = new { title = "Titolo", markdown = "Testo." } },
        });
        await n.Author.PostJsonAsync($"/api/v1/bulletins/{id.Id()}/submit", null, HttpStatusCode.OK);

        await using var scope = ActorOverride.ForOrganization(factory.Services, n.OrganizationId, new StaffActor(userId, Scopes.ForRole(Piazza.Staff.StaffRole.Translator)));
        var posts = scope.ServiceProvider.GetRequiredService<PostService>();
        var postId = Guid.Parse(id.Id());
        await Assert.ThrowsAsync<Piazza.Common.ForbiddenException>(() => posts.SaveBodyAsync(postId, "zh", new BodyInput("标题", "文本。"), CancellationToken.None));
        await n.Translator.PutJsonAsync($"/api/v1/bulletins/{postId}/bodies/zh", new { title = "标题", markdown = "文本。" });
        await Assert.ThrowsAsync<Piazza.Common.ForbiddenException>(() => posts.ReviewAsync(postId, "zh", CancellationToken.None));
        await using var db = factory.Database.CreateContext();
        Assert.Null((await db.PostBodies.IgnoreQueryFilters().SingleAsync(b => b.PostId == postId && b.Language == "zh")).ReviewedById);
    }

    [Fact]
    public async Task Cancelling_a_bulletin_while_it_sends_stops_what_is_still_queued()
    {
        var n = await factory.NewsroomAsync(subscribers: 300, settings: new() { ["rateLimit"] = "50" });
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(factory.Recorder.Messages.Count(m => m.PostId == id) >= 20), 30, "20 messages");
        var cancelled = await n.Author.PostJsonAsync($"/api/v1/bulletins/{id}/cancel", new { note = "Notizia errata" }, HttpStatusCode.OK);
        Assert.Equal("Cancelled", (string?)cancelled["state"]);
        Assert.Contains("Notizia errata", (string?)cancelled["history"]!.Items().Last()["note"], StringComparison.Ordinal);

        await BroadcastFactory.WaitUntilAsync(async () => (await factory.DeliveriesAsync(id)).All(d => d.State is not (DeliveryState.Queued or DeliveryState.Sending)), 30, "in-flight messages to end");
        var deliveries = await factory.DeliveriesAsync(id);
        var sent = deliveries.Count(d => d.State == DeliveryState.Sent);
        Assert.InRange(sent, 20, 80); // those sent before, and the few already claimed (a quarter second at 50/s)
        Assert.Equal(300 - sent, deliveries.Count(d => d.State == DeliveryState.Cancelled));
        Assert.Equal(sent, factory.Recorder.Messages.Count(m => m.PostId == id));
        await n.Author.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/cancel", new { }, HttpStatusCode.Conflict);
        await n.Author.SendProblemAsync(HttpMethod.Put, $"/api/v1/bulletins/{id}", new { topicId = n.TopicId }, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Only_drafts_never_submitted_can_be_deleted()
    {
        var n = await factory.NewsroomAsync(subscribers: 0);
        var draft = await n.Author.PostJsonAsync("/api/v1/bulletins", new { topicId = n.TopicId, bodies = new Dictionary<string, object> { ["it"] = new { title = "Prova", markdown = "Testo." } } });
        await n.Author.DeleteAsync($"/api/v1/bulletins/{draft.Id()}");
        await n.Author.SendProblemAsync(HttpMethod.Get, $"/api/v1/bulletins/{draft.Id()}", null, HttpStatusCode.NotFound);
        var submitted = await BroadcastFactory.ReadyBulletinAsync(n);
        await n.Author.SendProblemAsync(HttpMethod.Delete, $"/api/v1/bulletins/{submitted}", null, HttpStatusCode.Conflict);
        var audit = await n.Admin.GetJsonAsync($"/api/v1/audit?objectType=bulletin&objectId={draft.Id()}");
        Assert.Equal(["bulletin.deleted", "bulletin.created"], audit.Items().Select(a => (string)a["action"]!));
    }

    [Fact]
    public async Task A_channel_that_cannot_send_blocks_the_approval()
    {
        var n = await factory.NewsroomAsync(subscribers: 1);
        var off = await n.Admin.PostJsonAsync("/api/v1/channels", new { kind = "Telegram", name = "Telegram spento", isSandbox = true, isEnabled = false });
        var id = await BroadcastFactory.ReadyBulletinAsync(n, channels: [n.ChannelId, Guid.Parse(off.Id())]);
        var problem = await n.Approver.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/approve", new { }, HttpStatusCode.BadRequest);
        Assert.Equal("This channel is disabled.", (string?)problem["errors"]![$"channelIds.{off.Id()}"]![0]);
    }

    [Fact]
    public async Task The_preview_shows_each_platforms_text_and_its_limits()
    {
        var n = await factory.NewsroomAsync(subscribers: 0);
        var previews = await n.Author.PostJsonAsync("/api/v1/bulletins/preview", new { title = "Allerta meteo", markdown = "**Arancione** domani. " + new string('x', 300) }, HttpStatusCode.OK);
        var byKind = previews.Items().ToDictionary(p => (string)p["kind"]!);
        Assert.StartsWith("*Allerta meteo*", (string?)byKind["WhatsApp"]["text"], StringComparison.Ordinal);
        Assert.Contains("<b>Arancione</b>", (string?)byKind["Telegram"]["text"], StringComparison.Ordinal);
        Assert.True((bool)byKind["X"]["tooLong"]!);
        Assert.Equal(280, (int)byKind["X"]["limit"]!);
        Assert.False((bool)byKind["WhatsApp"]["tooLong"]!);
        Assert.DoesNotContain("**", (string?)byKind["WeChat"]["text"], StringComparison.Ordinal);
    }

    /// <summary>A staff member acting through the services (as the console does), with the scopes of their role.</summary>
    private sealed class StaffActor(Guid userId, IEnumerable<string> scopes) : IActor
    {
        private readonly HashSet<string> _scopes = [.. scopes];

        public ActorKind Kind => ActorKind.User;

        public string? Id => userId.ToString();

        public string Name => "mediatore";

        public string? RemoteIp => null;

        public Guid? UserId => userId;

        public bool HasScope(string scope) => _scopes.Contains(scope);
    }
}
