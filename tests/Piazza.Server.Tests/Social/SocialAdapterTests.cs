using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging.Abstractions;
using Piazza.Channels;
using Piazza.Channels.Facebook;
using Piazza.Channels.Mastodon;
using Piazza.Channels.X;
using Piazza.Posts;
using Xunit;

namespace Piazza.Server.Tests.Social;

/// <summary>What each social adapter sends to a live platform (a fake one on 127.0.0.1) and how it reads the answers.</summary>
public sealed class SocialAdapterTests
{
    private static readonly BulletinText[] Texts =
    [
        new("it", "Interruzione dell'acqua", "Domani manca l'acqua. Dettagli: https://www.comune.prato.it/acqua"),
        new("zh", "停水通知", "明天停水。"),
    ];

    [Fact]
    public async Task Facebook_posts_the_message_and_link_to_the_page_feed_with_the_page_token()
    {
        await using var fake = await FakeSocial.StartAsync();
        fake.Answer = _ => (200, """{"id":"1234567890_987654321"}""", null);
        var adapter = new FacebookAdapter(FakeSocial.Clients(), NullLogger<FacebookAdapter>.Instance);
        var channel = Account(ChannelKind.Facebook, new() { [FacebookChannel.BaseUrl] = fake.BaseUrl, [FacebookChannel.ApiVersion] = "v23.0", [FacebookChannel.PageId] = "1234567890" },
            new() { [FacebookChannel.PageAccessToken] = "EAApage" });

        var result = await adapter.SendAsync(Message(channel), CancellationToken.None);

        Assert.Equal(new SendResult.Sent("1234567890_987654321"), result);
        var request = Assert.Single(fake.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v23.0/1234567890/feed", request.Path);
        Assert.Equal("Bearer EAApage", request.Authorization);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal);
        var form = QueryHelpers.ParseQuery(request.Body);
        Assert.Equal("Interruzione dell'acqua\n\nDomani manca l'acqua. Dettagli: https://www.comune.prato.it/acqua\n\n—\n\n停水通知\n\n明天停水。", form["message"].ToString());
        Assert.Equal("https://www.comune.prato.it/acqua", form["link"].ToString());
    }

    [Fact]
    public async Task X_posts_the_text_as_JSON_with_the_user_token()
    {
        await using var fake = await FakeSocial.StartAsync();
        fake.Answer = _ => (201, """{"data":{"id":"1860000000000000001","text":"…","edit_history_tweet_ids":["1860000000000000001"]}}""", null);
        var adapter = new XAdapter(FakeSocial.Clients(), TimeProvider.System, NullLogger<XAdapter>.Instance);
        var channel = Account(ChannelKind.X, new() { [XChannel.BaseUrl] = fake.BaseUrl + "/" }, new() { [XChannel.AccessToken] = "user-token" });

        var result = await adapter.SendAsync(Message(channel), CancellationToken.None);

        Assert.Equal(new SendResult.Sent("1860000000000000001"), result);
        var request = Assert.Single(fake.Requests);
        Assert.Equal("/2/tweets", request.Path);
        Assert.Equal("Bearer user-token", request.Authorization);
        Assert.Equal("application/json", request.ContentType?.Split(';')[0]);
        var body = JsonNode.Parse(request.Body)!.AsObject();
        Assert.Equal(["text"], body.Select(p => p.Key));
        Assert.StartsWith("Interruzione dell'acqua\n\n", (string)body["text"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mastodon_posts_status_visibility_language_with_the_delivery_idempotency_key()
    {
        await using var fake = await FakeSocial.StartAsync();
        fake.Answer = _ => (200, """{"id":"110000000000000001","visibility":"unlisted"}""", null);
        var adapter = new MastodonAdapter(FakeSocial.Clients(), TimeProvider.System, NullLogger<MastodonAdapter>.Instance);
        var channel = Account(ChannelKind.Mastodon, new() { [MastodonChannel.BaseUrl] = fake.BaseUrl, [MastodonChannel.Visibility] = "unlisted" }, new() { [MastodonChannel.AccessToken] = "masto-token" });
        var message = Message(channel);

        var result = await adapter.SendAsync(message, CancellationToken.None);

        Assert.Equal(new SendResult.Sent("110000000000000001"), result);
        var request = Assert.Single(fake.Requests);
        Assert.Equal("/api/v1/statuses", request.Path);
        Assert.Equal("Bearer masto-token", request.Authorization);
        Assert.Equal(message.IdempotencyKey, request.Headers["Idempotency-Key"]);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("unlisted", (string)body["visibility"]!);
        Assert.Equal("it", (string)body["language"]!);
        Assert.Contains("停水通知", (string)body["status"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task X_429_pauses_the_channel_until_the_rate_limit_reset()
    {
        await using var fake = await FakeSocial.StartAsync();
        var reset = DateTimeOffset.UtcNow.AddMinutes(15).ToUnixTimeSeconds();
        fake.Answer = _ => (429, """{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}""",
            new() { ["x-rate-limit-reset"] = reset.ToString(System.Globalization.CultureInfo.InvariantCulture), ["x-rate-limit-remaining"] = "0" });
        var adapter = new XAdapter(FakeSocial.Clients(), TimeProvider.System, NullLogger<XAdapter>.Instance);
        var channel = Account(ChannelKind.X, new() { [XChannel.BaseUrl] = fake.BaseUrl }, new() { [XChannel.AccessToken] = "user-token" });

        var result = Assert.IsType<SendResult.RateLimited>(await adapter.SendAsync(Message(channel), CancellationToken.None));
        Assert.NotNull(result.RetryAfter);
        Assert.InRange(result.RetryAfter.Value, TimeSpan.FromMinutes(13), TimeSpan.FromMinutes(15));
    }

    [Fact]
    public void X_answers_map_to_delivery_outcomes()
    {
        var now = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
        var limited = Assert.IsType<SendResult.RateLimited>(XAdapter.Interpret((HttpStatusCode)429, null, now.AddSeconds(90).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), "{}", now));
        Assert.Equal(TimeSpan.FromSeconds(90), limited.RetryAfter);
        var retryAfter = Assert.IsType<SendResult.RateLimited>(XAdapter.Interpret((HttpStatusCode)429, new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(30)), null, "{}", now));
        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter.RetryAfter);
        Assert.IsType<SendResult.Permanent>(XAdapter.Interpret(HttpStatusCode.Forbidden, null, null, """{"detail":"You are not allowed to create a Tweet with duplicate content.","status":403}""", now));
        Assert.IsType<SendResult.Transient>(XAdapter.Interpret(HttpStatusCode.Unauthorized, null, null, """{"title":"Unauthorized","status":401}""", now));
        Assert.IsType<SendResult.Transient>(XAdapter.Interpret(HttpStatusCode.ServiceUnavailable, null, null, "", now));
        Assert.IsType<SendResult.Permanent>(XAdapter.Interpret(HttpStatusCode.BadRequest, null, null, """{"title":"Invalid Request","status":400}""", now));
    }

    [Fact]
    public void Facebook_graph_error_codes_map_to_delivery_outcomes()
    {
        static SendResult Graph(int status, int code) => FacebookAdapter.Interpret((HttpStatusCode)status, null, $$$"""{"error":{"message":"m","type":"OAuthException","code":{{{code}}}}}""");
        foreach (var code in new[] { 4, 17, 32, 613 })
        {
            Assert.IsType<SendResult.RateLimited>(Graph(400, code));
        }

        Assert.IsType<SendResult.Transient>(Graph(400, 190));
        Assert.IsType<SendResult.Permanent>(Graph(400, 368));
        Assert.IsType<SendResult.Permanent>(Graph(400, 100));
        Assert.IsType<SendResult.Transient>(FacebookAdapter.Interpret(HttpStatusCode.BadGateway, null, "<html>bad gateway</html>"));
        Assert.IsType<SendResult.Transient>(Graph(500, 1));
        Assert.Equal(TimeSpan.FromMinutes(1), Assert.IsType<SendResult.RateLimited>(Graph(400, 32)).RetryAfter);
    }

    [Fact]
    public void Mastodon_answers_map_to_delivery_outcomes()
    {
        var now = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
        var reset = Assert.IsType<SendResult.RateLimited>(MastodonAdapter.Interpret((HttpStatusCode)429, null, "2026-03-02T10:05:00.000Z", """{"error":"Too many requests"}""", now));
        Assert.Equal(TimeSpan.FromMinutes(5), reset.RetryAfter);
        var after = Assert.IsType<SendResult.RateLimited>(MastodonAdapter.Interpret((HttpStatusCode)429, new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(42)), "2026-03-02T10:05:00.000Z", "{}", now));
        Assert.Equal(TimeSpan.FromSeconds(42), after.RetryAfter);
        Assert.IsType<SendResult.Permanent>(MastodonAdapter.Interpret((HttpStatusCode)422, null, null, """{"error":"Validation failed: Text character limit of 500 exceeded"}""", now));
        Assert.IsType<SendResult.Transient>(MastodonAdapter.Interpret(HttpStatusCode.InternalServerError, null, null, "", now));
        Assert.IsType<SendResult.Transient>(MastodonAdapter.Interpret(HttpStatusCode.Unauthorized, null, null, """{"error":"The access token is invalid"}""", now));
    }

    private static ChannelAccount Account(ChannelKind kind, Dictionary<string, string> settings, Dictionary<string, string> secrets) =>
        new(Guid.NewGuid(), Guid.NewGuid(), kind, "Canale", false, settings, secrets);

    private static OutboundMessage Message(ChannelAccount channel)
    {
        var postId = Guid.NewGuid();
        return new OutboundMessage(42, Piazza.Broadcast.Delivery.IdempotencyKey(postId, channel.Id, 0), channel, null, 0, Texts, postId, "acqua", PostPriority.Normal, 1);
    }
}
