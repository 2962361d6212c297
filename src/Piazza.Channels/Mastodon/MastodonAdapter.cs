using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Piazza.Channels.Formatting;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Channels.Mastodon;

/// <summary>
/// Publishes a bulletin as one status of the Mastodon account (<c>POST {instance}/api/v1/statuses</c> with
/// <c>status</c>, <c>visibility</c> and <c>language</c>, the access token as Bearer), with the delivery's idempotency key
/// as <c>Idempotency-Key</c>: Mastodon keeps it an hour, so a retry after a lost answer gets the same status instead of
/// a second one. The text stays within the instance's limit (setting, 500 by default; links count 23). 429 pauses the
/// channel (Retry-After or X-RateLimit-Reset); 422 (refused content) is permanent; 401/403 (token) and 5xx are transient.
/// </summary>
public sealed class MastodonAdapter(IHttpClientFactory http, TimeProvider time, ILogger<MastodonAdapter> logger, ISandboxAddress? sandbox = null) : IChannelAdapter
{
    public const string HttpClientName = "mastodon";

    public ChannelKind? Kind => ChannelKind.Mastodon;

    /// <summary>Sandbox accounts talk to Piazza's simulator (<c>/sandbox/mastodon/{channelId}</c> on this server).</summary>
    public bool HasSimulator => true;

    public async Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        if (message.Texts.Count == 0)
        {
            return new SendResult.Permanent("The bulletin has no text.");
        }

        var channel = message.Channel;
        var baseUrl = PlatformAddress.For(channel, sandbox?.MastodonBaseUrl, MastodonChannel.BaseUrl, null);
        if (baseUrl is null)
        {
            return new SendResult.Transient(channel.IsSandbox ? PlatformAddress.SimulatorUnknown : "The channel has no instance URL.");
        }

        var token = channel.Secret(MastodonChannel.AccessToken);
        if (token is null)
        {
            return new SendResult.Transient("The channel has no access token.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/api/v1/statuses")
        {
            Content = new StringContent(Body(message.Texts, channel.Settings).ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", message.IdempotencyKey);
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        var content = await response.Content.ReadAsStringAsync(ct);
        var reset = response.Headers.TryGetValues("X-RateLimit-Reset", out var values) ? values.FirstOrDefault() : null;
        var result = Interpret(response.StatusCode, response.Headers.RetryAfter, reset, content, time.GetUtcNow());
        if (result is not SendResult.Sent)
        {
            logger.LogInformation("Mastodon answered {Status}: {Result}", (int)response.StatusCode, result);
        }

        return result;
    }

    /// <summary>The request body: the status within the instance's limit, the visibility, the language of the (first) text, without region or script.</summary>
    public static JsonObject Body(IReadOnlyList<BulletinText> texts, IReadOnlyDictionary<string, string> settings) => new()
    {
        ["status"] = SocialPost.Compose(MessageFormat.MastodonStatus, texts, MastodonChannel.LimitOf(settings)).Text,
        ["visibility"] = MastodonChannel.VisibilityOf(settings),
        ["language"] = texts[0].Language.Split('-')[0], // Mastodon takes ISO 639 codes: "zh-Hant" → "zh"
    };

    /// <summary>Maps the instance's answer to what the dispatcher does next.</summary>
    public static SendResult Interpret(HttpStatusCode status, RetryConditionHeaderValue? retryAfter, string? rateLimitReset, string content, DateTimeOffset now)
    {
        JsonNode? json = null;
        try
        {
            json = content.Length == 0 ? null : JsonNode.Parse(content);
        }
        catch (JsonException)
        {
        }

        if ((int)status is >= 200 and < 300)
        {
            return json?["id"]?.GetValueKind() == JsonValueKind.String
                ? new SendResult.Sent(json["id"]!.GetValue<string>())
                : new SendResult.Transient("Mastodon accepted the request without a status id.");
        }

        var detail = json?["error"]?.GetValueKind() == JsonValueKind.String ? json["error"]!.GetValue<string>() : status.ToString();
        var reason = $"{(int)status} {detail}";
        reason = reason.Length > 480 ? reason[..479] + "…" : reason;
        TimeSpan? hint = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        if (hint is null && DateTimeOffset.TryParse(rateLimitReset, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var reset))
        {
            var wait = reset - now;
            hint = wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
        }

        return (int)status switch
        {
            429 => new SendResult.RateLimited(hint, reason),
            422 => new SendResult.Permanent(reason), // validation failed: too long, refused content
            401 or 403 => new SendResult.Transient(reason, hint), // the token expired, was revoked or lacks write:statuses
            >= 500 => new SendResult.Transient(reason, hint),
            _ when json is null => new SendResult.Transient(reason, hint),
            _ => new SendResult.Permanent(reason),
        };
    }
}
