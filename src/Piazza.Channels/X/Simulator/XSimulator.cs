using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Piazza.Channels.Formatting;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Channels.X.Simulator;

/// <summary>A post the simulated X account received.</summary>
public sealed record XSimulatedPost(string Id, string Text, DateTimeOffset At);

/// <summary>What a sandbox X account gets when it is created: a name and a generated OAuth 2.0 user token.</summary>
public static class XSandbox
{
    public static SandboxDefaults Defaults(IReadOnlyList<string> languages) => new(
        new Dictionary<string, string>(StringComparer.Ordinal) { [XChannel.Username] = "@piazza_sandbox" },
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [XChannel.AccessToken] = "sandbox-x-" + RandomNumberGenerator.GetHexString(48, lowercase: true),
        });
}

/// <summary>
/// Piazza's simulator of X's <c>POST /2/tweets</c> for sandbox accounts: it checks the Bearer user token (401), the
/// text (present, at most 280 as X weighs it: CJK and emoji 2, links 23) and refuses a text equal to one the account
/// already posted (403 duplicate content), with X's problem JSON; it answers 201 <c>{"data":{"id","text"}}</c>. Posts
/// are kept in memory only (the last 200 per account; lost on restart).
/// </summary>
public sealed class XSimulator(TimeProvider time)
{
    public const int MaxPostsPerAccount = 200;

    private readonly ConcurrentDictionary<Guid, List<XSimulatedPost>> _posts = new();
    private long _next = 1_860_000_000_000_000_000L + RandomNumberGenerator.GetInt32(1_000_000) * 1_000_000L;

    /// <summary>The posts of a sandbox account, newest last.</summary>
    public IReadOnlyList<XSimulatedPost> PostsOf(Guid channelId)
    {
        if (!_posts.TryGetValue(channelId, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }

    /// <summary>A <c>POST /2/tweets</c> for <paramref name="account"/> (null: no such sandbox account).</summary>
    public SimulatorAnswer Tweet(ChannelAccount? account, string? authorization, string body)
    {
        var token = authorization is { } a && a.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? a[7..].Trim() : null;
        if (account is null || string.IsNullOrEmpty(token) || token != account.Secret(XChannel.AccessToken))
        {
            return Problem(401, "Unauthorized", "Unauthorized", "about:blank");
        }

        string? text = null;
        try
        {
            var json = JsonNode.Parse(body);
            text = json?["text"]?.GetValueKind() == JsonValueKind.String ? json["text"]!.GetValue<string>() : null;
        }
        catch (JsonException)
        {
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return Problem(400, "Invalid Request", "One or more parameters to your request was invalid.", "https://api.twitter.com/2/problems/invalid-request");
        }

        if (MessageFormatter.XWeightedLength(text) > XChannel.MaxWeightedLength)
        {
            return Problem(403, "Forbidden", "Your Tweet text is too long. For more information on how X counts characters, see https://developer.x.com/en/docs/counting-characters.", "about:blank");
        }

        var list = _posts.GetOrAdd(account.Id, _ => []);
        lock (list)
        {
            if (list.Any(p => p.Text == text))
            {
                return Problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.", "about:blank");
            }

            var id = Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
            list.Add(new XSimulatedPost(id, text, time.GetUtcNow()));
            if (list.Count > MaxPostsPerAccount)
            {
                list.RemoveAt(0);
            }

            return new SimulatorAnswer(201, new JsonObject
            {
                ["data"] = new JsonObject { ["id"] = id, ["text"] = text, ["edit_history_tweet_ids"] = new JsonArray(id) },
            });
        }
    }

    /// <summary>X's problem JSON.</summary>
    public static SimulatorAnswer Problem(int status, string title, string detail, string type) =>
        new(status, new JsonObject { ["title"] = title, ["type"] = type, ["status"] = status, ["detail"] = detail });
}
