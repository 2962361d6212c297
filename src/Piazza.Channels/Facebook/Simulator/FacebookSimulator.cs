using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Channels.Facebook.Simulator;

/// <summary>A post the simulated Page received.</summary>
public sealed record FacebookSimulatedPost(string Id, string? Message, string? Link, DateTimeOffset At);

/// <summary>What a sandbox Facebook page gets when it is created: a Page ID and a generated Page access token.</summary>
public static class FacebookSandbox
{
    public static SandboxDefaults Defaults(IReadOnlyList<string> languages)
    {
        var pageId = "1" + string.Concat(Enumerable.Range(1, 14).Select(_ => RandomNumberGenerator.GetInt32(10).ToString(CultureInfo.InvariantCulture)));
        return new(
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [FacebookChannel.PageId] = pageId,
                [FacebookChannel.PageUrl] = "https://www.facebook.com/" + pageId, // a page's address by its id: no real page has it
            },
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [FacebookChannel.PageAccessToken] = "EAAsandboxpage" + RandomNumberGenerator.GetHexString(48, lowercase: true),
            });
    }
}

/// <summary>
/// Piazza's simulator of a Facebook Page's feed (<c>POST /{version}/{page-id}/feed</c>) for sandbox pages: it checks
/// the Page access token (190), the page id and the message as the Graph API does (100), and answers
/// <c>{"id":"{page}_{post}"}</c>. The posts are kept in memory only (the last 200 per page; lost on restart).
/// </summary>
public sealed class FacebookSimulator(TimeProvider time)
{
    public const int MaxPostsPerPage = 200;

    private readonly ConcurrentDictionary<Guid, List<FacebookSimulatedPost>> _posts = new();
    private long _next = RandomNumberGenerator.GetInt32(100_000, 900_000) * 1_000_000L;

    /// <summary>The posts of a sandbox page, newest last.</summary>
    public IReadOnlyList<FacebookSimulatedPost> PostsOf(Guid channelId)
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

    /// <summary>A <c>POST /feed</c> for <paramref name="account"/> (null: no such sandbox page), with the request's
    /// Authorization header and form (or JSON) fields.</summary>
    public SimulatorAnswer Publish(ChannelAccount? account, string pageId, string? authorization, IReadOnlyDictionary<string, string> fields)
    {
        if (account is null || account.Setting(FacebookChannel.PageId) != pageId)
        {
            return Error(400, 100, $"Unsupported post request. Object with ID '{pageId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", "GraphMethodException");
        }

        var token = authorization is { } a && a.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? a[7..].Trim() : fields.GetValueOrDefault("access_token");
        if (string.IsNullOrEmpty(token) || token != account.Secret(FacebookChannel.PageAccessToken))
        {
            return Error(400, 190, "Invalid OAuth access token - Cannot parse access token", "The Page access token is not the channel's.");
        }

        var message = fields.GetValueOrDefault("message");
        var link = fields.GetValueOrDefault("link");
        if (string.IsNullOrWhiteSpace(message) && string.IsNullOrWhiteSpace(link))
        {
            return Error(400, 100, "(#100) Missing message or attachment.", "A post needs a message or a link.");
        }

        if (message is not null && message.Length > FacebookChannel.MaxMessageLength)
        {
            return Error(400, 100, "(#100) The message is too long.", $"At most {FacebookChannel.MaxMessageLength} characters.");
        }

        if (link is not null && !(Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            return Error(400, 100, "(#100) The parameter link must be a valid URL.", "link");
        }

        var id = pageId + "_" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var list = _posts.GetOrAdd(account.Id, _ => []);
        lock (list)
        {
            list.Add(new FacebookSimulatedPost(id, message, link, time.GetUtcNow()));
            if (list.Count > MaxPostsPerPage)
            {
                list.RemoveAt(0);
            }
        }

        return new SimulatorAnswer(200, new JsonObject { ["id"] = id });
    }

    /// <summary>The Graph API's error body.</summary>
    public static SimulatorAnswer Error(int status, int code, string message, string details) => new(status, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = code == 100 && details == "GraphMethodException" ? "GraphMethodException" : "OAuthException",
            ["code"] = code,
            ["error_user_msg"] = details,
            ["fbtrace_id"] = "A" + RandomNumberGenerator.GetHexString(22),
        },
    });
}
