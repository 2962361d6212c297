using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Piazza.Channels;
using Piazza.Channels.Facebook;
using Piazza.Channels.Facebook.Simulator;
using Piazza.Channels.Mastodon;
using Piazza.Channels.Mastodon.Simulator;
using Piazza.Channels.X;
using Piazza.Channels.X.Simulator;
using Xunit;

namespace Piazza.Server.Tests.Social;

/// <summary>The simulators refuse what the platforms refuse, in the platforms' formats.</summary>
public sealed class SocialSimulatorTests
{
    [Fact]
    public void The_X_simulator_checks_the_token_the_weighted_length_and_duplicates()
    {
        var simulator = new XSimulator(TimeProvider.System);
        var account = Account(ChannelKind.X, [], new() { [XChannel.AccessToken] = "tok" });

        Assert.Equal(401, simulator.Tweet(account, "Bearer other", """{"text":"ciao"}""").Status);
        Assert.Equal(400, simulator.Tweet(account, "Bearer tok", """{"text":""}""").Status);
        Assert.Equal(403, simulator.Tweet(account, "Bearer tok", new JsonObject { ["text"] = new string('水', 141) }.ToJsonString()).Status); // weighs 282
        var ok = simulator.Tweet(account, "Bearer tok", new JsonObject { ["text"] = new string('水', 140) }.ToJsonString()); // weighs 280
        Assert.Equal(201, ok.Status);
        Assert.Equal(new string('水', 140), (string)ok.Body["data"]!["text"]!);
        var duplicate = simulator.Tweet(account, "Bearer tok", new JsonObject { ["text"] = new string('水', 140) }.ToJsonString());
        Assert.Equal(403, duplicate.Status);
        Assert.Contains("duplicate content", (string)duplicate.Body["detail"]!, StringComparison.Ordinal);
        Assert.Single(simulator.PostsOf(account.Id));
    }

    [Fact]
    public void The_Mastodon_simulator_honours_the_idempotency_key_for_an_hour_and_its_limit()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));
        var simulator = new MastodonSimulator(clock);
        var account = Account(ChannelKind.Mastodon, new() { [MastodonChannel.MaxCharacters] = "500" }, new() { [MastodonChannel.AccessToken] = "tok" });
        var fields = new Dictionary<string, string> { ["status"] = "Avviso", ["visibility"] = "public", ["language"] = "it" };

        var first = simulator.Post(account, "Bearer tok", "key-1", fields);
        Assert.Equal(200, first.Status);
        clock.Advance(TimeSpan.FromMinutes(59));
        var repeated = simulator.Post(account, "Bearer tok", "key-1", fields);
        Assert.Equal((string)first.Body["id"]!, (string)repeated.Body["id"]!);
        Assert.Single(simulator.StatusesOf(account.Id));

        clock.Advance(TimeSpan.FromMinutes(2)); // the key is forgotten after an hour
        Assert.NotEqual((string)first.Body["id"]!, (string)simulator.Post(account, "Bearer tok", "key-1", fields).Body["id"]!);
        Assert.Equal(2, simulator.StatusesOf(account.Id).Count);

        Assert.Equal(401, simulator.Post(account, "Bearer nope", "key-2", fields).Status);
        var tooLong = simulator.Post(account, "Bearer tok", "key-3", new Dictionary<string, string> { ["status"] = new string('a', 501) });
        Assert.Equal(422, tooLong.Status);
        Assert.Equal("Validation failed: Text character limit of 500 exceeded", (string)tooLong.Body["error"]!);
        Assert.Equal(200, simulator.Post(account, "Bearer tok", "key-4", new Dictionary<string, string> { ["status"] = new string('a', 500) }).Status);
    }

    [Fact]
    public void The_Facebook_simulator_checks_the_page_and_its_token()
    {
        var simulator = new FacebookSimulator(TimeProvider.System);
        var account = Account(ChannelKind.Facebook, new() { [FacebookChannel.PageId] = "1001" }, new() { [FacebookChannel.PageAccessToken] = "EAApage" });
        var fields = new Dictionary<string, string> { ["message"] = "Avviso" };

        Assert.Equal(190, (int)simulator.Publish(account, "1001", "Bearer wrong", fields).Body["error"]!["code"]!);
        Assert.Equal(100, (int)simulator.Publish(account, "2002", "Bearer EAApage", fields).Body["error"]!["code"]!);
        Assert.Equal(100, (int)simulator.Publish(account, "1001", "Bearer EAApage", new Dictionary<string, string>()).Body["error"]!["code"]!);
        var ok = simulator.Publish(account, "1001", "Bearer EAApage", fields);
        Assert.Equal(200, ok.Status);
        Assert.StartsWith("1001_", (string)ok.Body["id"]!, StringComparison.Ordinal);
    }

    private static ChannelAccount Account(ChannelKind kind, Dictionary<string, string> settings, Dictionary<string, string> secrets) =>
        new(Guid.NewGuid(), Guid.NewGuid(), kind, "Sandbox", true, settings, secrets);
}
