using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Piazza.Channels.Formatting;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Channels.X;

/// <summary>
/// Publishes a bulletin as one post of the X account (<c>POST {baseUrl}/2/tweets</c> <c>{"text": …}</c>, the OAuth 2.0
/// user token as Bearer → 201 <c>{"data":{"id","text"}}</c>). The text stays within 280 as X weighs it (CJK and emoji
/// 2, every link 23): a longer bulletin is cut at a word and ends with "…" and its link. 429 pauses the channel until
/// <c>x-rate-limit-reset</c> (epoch seconds) or Retry-After; 403 for duplicate content is permanent; 401 (token) and
/// 5xx are transient.
/// </summary>
public sealed class XAdapter(IHttpClientFactory http, TimeProvider time, ILogger<XAdapter> logger, ISandboxAddress? sandbox = null) : IChannelAdapter
{
    public const string HttpClientName = "x";

    public ChannelKind? Kind => ChannelKind.X;

    /// <summary>Sandbox accounts talk to Piazza's simulator (<c>/sandbox/x/{channelId}</c> on this server).</summary>
    public bool HasSimulator => true;

    public async Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        if (message.Texts.Count == 0)
        {
            return new SendResult.Permanent("The bulletin has no text.");
        }

        var channel = message.Channel;
        var baseUrl = PlatformAddress.For(channel, sandbox?.XBaseUrl, XChannel.BaseUrl, "https://api.x.com");
        if (baseUrl is null)
        {
            return new SendResult.Transient(PlatformAddress.SimulatorUnknown);
        }

        var token = channel.Secret(XChannel.AccessToken);
        if (token is null)
        {
            return new SendResult.Transient("The channel has no access token.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/2/tweets")
        {
            Content = new StringContent(Body(message.Texts).ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        var content = await response.Content.ReadAsStringAsync(ct);
        var reset = response.Headers.TryGetValues("x-rate-limit-reset", out var values) ? values.FirstOrDefault() : null;
        var result = Interpret(response.StatusCode, response.Headers.RetryAfter, reset, content, time.GetUtcNow());
        if (result is not SendResult.Sent)
        {
            logger.LogInformation("X answered {Status}: {Result}", (int)response.StatusCode, result);
        }

        return result;
    }

    /// <summary>The request body: <c>{"text": …}</c> within 280 weighted characters.</summary>
    public static JsonObject Body(IReadOnlyList<BulletinText> texts) => new()
    {
        ["text"] = SocialPost.Compose(MessageFormat.XPost, texts, XChannel.MaxWeightedLength).Text,
    };

    /// <summary>Maps X's answer to what the dispatcher does next.</summary>
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
            return json?["data"]?["id"]?.GetValueKind() == JsonValueKind.String
                ? new SendResult.Sent(json["data"]!["id"]!.GetValue<string>())
                : new SendResult.Transient("X accepted the request without a post id.");
        }

        var detail = Text(json, "detail") ?? Text(json, "title") ?? Text(json?["errors"]?[0], "message") ?? status.ToString();
        var reason = $"{(int)status} {detail}";
        reason = reason.Length > 480 ? reason[..479] + "…" : reason;
        TimeSpan? hint = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        if (long.TryParse(rateLimitReset, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            var wait = DateTimeOffset.FromUnixTimeSeconds(epoch) - now;
            hint = wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
        }

        return (int)status switch
        {
            429 => new SendResult.RateLimited(hint, reason),
            401 => new SendResult.Transient(reason, hint), // the user token expired or was revoked
            403 when detail.Contains("duplicate", StringComparison.OrdinalIgnoreCase) => new SendResult.Permanent(reason),
            403 => new SendResult.Transient(reason, hint), // a permission of the whole account (app, suspension)
            >= 500 => new SendResult.Transient(reason, hint),
            _ when json is null => new SendResult.Transient(reason, hint),
            _ => new SendResult.Permanent(reason),
        };
    }

    private static string? Text(JsonNode? node, string name) =>
        node?[name]?.GetValueKind() == JsonValueKind.String ? node[name]!.GetValue<string>() : null;
}
