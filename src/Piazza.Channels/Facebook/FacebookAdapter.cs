using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Piazza.Channels.Formatting;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Channels.Facebook;

/// <summary>
/// Publishes a bulletin as one post of the Facebook Page (<c>POST {baseUrl}/{version}/{page-id}/feed</c>, form fields
/// <c>message</c> and, when the bulletin has a link, <c>link</c>; the Page access token as Bearer). The text is plain,
/// in the channel's languages, within Facebook's 63,206 characters. Graph error codes decide what happens next: 4, 17,
/// 32 and 613 (rate limits) pause the channel; 190 (token) and 5xx are transient; 368 (blocked as abusive) and 100
/// (invalid parameter) are permanent.
/// </summary>
public sealed class FacebookAdapter(IHttpClientFactory http, ILogger<FacebookAdapter> logger, ISandboxAddress? sandbox = null) : IChannelAdapter
{
    public const string HttpClientName = "facebook";

    public ChannelKind? Kind => ChannelKind.Facebook;

    /// <summary>Sandbox pages talk to Piazza's simulator (<c>/sandbox/facebook/{channelId}</c> on this server).</summary>
    public bool HasSimulator => true;

    public async Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        if (message.Texts.Count == 0)
        {
            return new SendResult.Permanent("The bulletin has no text.");
        }

        var channel = message.Channel;
        var baseUrl = PlatformAddress.For(channel, sandbox?.FacebookBaseUrl, FacebookChannel.BaseUrl, "https://graph.facebook.com");
        if (baseUrl is null)
        {
            return new SendResult.Transient(PlatformAddress.SimulatorUnknown);
        }

        var version = channel.Setting(FacebookChannel.ApiVersion) ?? "v23.0";
        var pageId = channel.Setting(FacebookChannel.PageId);
        var token = channel.Secret(FacebookChannel.PageAccessToken);
        if (pageId is null || token is null)
        {
            return new SendResult.Transient("The channel has no Page ID or Page access token.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/{Uri.EscapeDataString(version)}/{Uri.EscapeDataString(pageId)}/feed")
        {
            Content = new FormUrlEncodedContent(Fields(message.Texts)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        var content = await response.Content.ReadAsStringAsync(ct);
        var result = Interpret(response.StatusCode, response.Headers.RetryAfter, content);
        if (result is not SendResult.Sent)
        {
            logger.LogInformation("Facebook answered {Status}: {Result}", (int)response.StatusCode, result);
        }

        return result;
    }

    /// <summary>The form of the post: <c>message</c> and, when the bulletin has a link, <c>link</c>.</summary>
    public static List<KeyValuePair<string, string>> Fields(IReadOnlyList<BulletinText> texts)
    {
        var fields = new List<KeyValuePair<string, string>> { new("message", SocialPost.Compose(MessageFormat.PlainText, texts, FacebookChannel.MaxMessageLength).Text) };
        if (SocialPost.LinkOf(texts) is { } link)
        {
            fields.Add(new("link", link));
        }

        return fields;
    }

    /// <summary>Maps the Graph API's answer to what the dispatcher does next, by <c>error.code</c>.</summary>
    public static SendResult Interpret(HttpStatusCode status, RetryConditionHeaderValue? retryAfter, string content)
    {
        JsonNode? json = null;
        try
        {
            json = content.Length == 0 ? null : JsonNode.Parse(content);
        }
        catch (JsonException)
        {
        }

        var hint = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if ((int)status is >= 200 and < 300)
        {
            return json?["id"]?.GetValueKind() == JsonValueKind.String
                ? new SendResult.Sent(json["id"]!.GetValue<string>())
                : new SendResult.Transient("Facebook accepted the request without a post id.");
        }

        var error = json?["error"];
        var code = error?["code"]?.GetValueKind() == JsonValueKind.Number ? error["code"]!.GetValue<int>() : (int?)null;
        var text = error?["message"]?.GetValueKind() == JsonValueKind.String ? error["message"]!.GetValue<string>() : status.ToString();
        var reason = $"{code?.ToString(CultureInfo.InvariantCulture) ?? ((int)status).ToString(CultureInfo.InvariantCulture)} {text}";
        reason = reason.Length > 480 ? reason[..479] + "…" : reason;
        return code switch
        {
            4 or 17 or 32 or 613 => new SendResult.RateLimited(hint ?? TimeSpan.FromMinutes(1), reason), // app, user, page, custom rate limits
            190 => new SendResult.Transient(reason, hint), // the Page token expired or was revoked: the channel waits for a new one
            368 or 100 => new SendResult.Permanent(reason), // blocked as abusive; invalid parameter
            _ when (int)status >= 500 => new SendResult.Transient(reason, hint),
            _ when status == HttpStatusCode.TooManyRequests => new SendResult.RateLimited(hint, reason),
            1 or 2 => new SendResult.Transient(reason, hint), // Meta's own trouble
            10 or 200 => new SendResult.Transient(reason, hint), // a permission of the whole channel
            _ when json is null => new SendResult.Transient(reason, hint), // not Meta's answer (a proxy's page)
            _ => new SendResult.Permanent(reason),
        };
    }
}
