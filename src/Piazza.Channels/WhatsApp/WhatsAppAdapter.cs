using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Piazza.Channels.Formatting;

namespace Piazza.Channels.WhatsApp;

/// <summary>
/// Sends through the WhatsApp Business Cloud API (<c>POST {baseUrl}/{version}/{phone-number-id}/messages</c>). A person
/// who wrote in the last 24 hours gets the bulletin as text; anyone else gets the channel's approved template for the
/// bulletin's language, whose two body parameters carry the title and the text (Meta allows free text only inside the
/// window). Meta's error codes, not the HTTP status, decide what happens next: 130429, 4 and 80007 pause the channel;
/// 131056 spaces the messages to that person; 131047 falls back to the template; 131026 and 131049 are permanent.
/// </summary>
public sealed partial class WhatsAppAdapter(IHttpClientFactory http, TimeProvider time, ILogger<WhatsAppAdapter> logger, Simulator.ISandboxAddress? sandbox = null) : IChannelAdapter
{
    /// <summary>The named HttpClient (timeouts are the dispatcher's).</summary>
    public const string HttpClientName = "whatsapp";

    /// <summary>A template's body parameter: Meta refuses new lines, tabs and more than four spaces in a row, and the
    /// whole body must stay within 1,024 characters.</summary>
    public const int MaxParameterLength = 900;

    public ChannelKind? Kind => ChannelKind.WhatsApp;

    /// <summary>Sandbox channels talk to Piazza's simulator (<c>/sandbox/whatsapp</c> on this server).</summary>
    public bool HasSimulator => true;

    public async Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        if (message.Address is not { Length: > 0 } address)
        {
            return new SendResult.Permanent("A WhatsApp message needs a phone number (the subscriber left or was erased).");
        }

        var text = message.Texts.Count > 0 ? message.Texts[0] : null;
        if (text is null)
        {
            return new SendResult.Permanent("The bulletin has no text.");
        }

        var inWindow = message.LastInboundAt is { } last && time.GetUtcNow().UtcDateTime - last < TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1);
        if (inWindow)
        {
            var rendered = MessageFormatter.RenderMany(MessageFormat.WhatsApp, message.Texts.Select(t => (t.Title, t.Markdown)).ToList()).Text;
            var (result, code) = await PostAsync(message.Channel, TextBody(address, rendered), ct);
            if (code != 131047)
            {
                return result;
            }

            // The window closed meanwhile: the template carries it.
        }

        if (!WhatsAppChannel.TemplatesOf(message.Channel.Settings).TryGetValue(text.Language, out var template))
        {
            return new SendResult.Permanent($"No WhatsApp template is configured for the language \"{text.Language}\", and the person has not written in the last 24 hours.");
        }

        return (await PostAsync(message.Channel, TemplateBody(address, template.Name, template.Code, text), ct)).Result;
    }

    public async Task<SendResult> ReplyAsync(ChannelAccount channel, string address, string text, CancellationToken ct) =>
        (await PostAsync(channel, TextBody(address, text), ct)).Result;

    /// <summary>The request body of a text message (recipient without "+", as Meta writes wa_id).</summary>
    public static JsonObject TextBody(string address, string text) => new()
    {
        ["messaging_product"] = "whatsapp",
        ["recipient_type"] = "individual",
        ["to"] = Recipient(address),
        ["type"] = "text",
        ["text"] = new JsonObject { ["body"] = Truncate(text, 4096), ["preview_url"] = false },
    };

    /// <summary>The request body of a bulletin template: {{1}} the title, {{2}} the text, each on one line.</summary>
    public static JsonObject TemplateBody(string address, string name, string languageCode, BulletinText text) => new()
    {
        ["messaging_product"] = "whatsapp",
        ["recipient_type"] = "individual",
        ["to"] = Recipient(address),
        ["type"] = "template",
        ["template"] = new JsonObject
        {
            ["name"] = name,
            ["language"] = new JsonObject { ["code"] = languageCode, ["policy"] = "deterministic" },
            ["components"] = new JsonArray(new JsonObject
            {
                ["type"] = "body",
                ["parameters"] = new JsonArray(
                    new JsonObject { ["type"] = "text", ["text"] = Parameter(text.Title, 200) },
                    new JsonObject { ["type"] = "text", ["text"] = Parameter(MessageFormatter.Render(MessageFormat.PlainText, string.Empty, text.Markdown).Text, MaxParameterLength) }),
            }),
        },
    };

    /// <summary>A template parameter as Meta accepts it: one line, at most four spaces in a row, within the length.</summary>
    public static string Parameter(string text, int max)
    {
        var oneLine = SpacesRegex().Replace(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\n', ' ').Replace('\t', ' '), " ").Trim();
        return oneLine.Length == 0 ? "-" : Truncate(oneLine, max);
    }

    private async Task<(SendResult Result, int? Code)> PostAsync(ChannelAccount channel, JsonObject body, CancellationToken ct)
    {
        var baseUrl = channel.IsSandbox
            ? sandbox?.WhatsAppBaseUrl
            : (channel.Setting(WhatsAppChannel.BaseUrl) ?? "https://graph.facebook.com").TrimEnd('/');
        if (baseUrl is null)
        {
            return (new SendResult.Transient("The address of the sandbox simulator is not known yet (setting Sandbox:BaseUrl)."), null);
        }

        var version = channel.Setting(WhatsAppChannel.ApiVersion) ?? "v23.0";
        var phoneNumberId = channel.Setting(WhatsAppChannel.PhoneNumberId);
        var token = channel.Secret(WhatsAppChannel.AccessToken);
        if (phoneNumberId is null || token is null)
        {
            // A configuration problem of the whole channel: retried (the circuit stops the channel) until someone fixes it.
            return (new SendResult.Transient("The channel has no phone number ID or access token."), null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/{Uri.EscapeDataString(version)}/{Uri.EscapeDataString(phoneNumberId)}/messages")
        {
            // Exactly "application/json": Meta's specification lists the Content-Type values, with no charset parameter (JSON is UTF-8).
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        var content = await response.Content.ReadAsStringAsync(ct);
        return Interpret(response.StatusCode, response.Headers.RetryAfter, content, logger);
    }

    /// <summary>Maps Meta's answer to what the dispatcher does next, by <c>error.code</c>.</summary>
    public static (SendResult Result, int? Code) Interpret(HttpStatusCode status, RetryConditionHeaderValue? retryAfter, string content, ILogger? logger = null)
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
            var id = json?["messages"]?[0]?["id"]?.GetValue<string>();
            return id is null
                ? (new SendResult.Transient("Meta accepted the request without a message id."), null)
                : (new SendResult.Sent(id), null);
        }

        var error = json?["error"];
        var code = error?["code"]?.GetValueKind() == JsonValueKind.Number ? error["code"]!.GetValue<int>() : (int?)null;
        var text = error?["message"]?.GetValueKind() == JsonValueKind.String ? error["message"]!.GetValue<string>() : null;
        var details = error?["error_data"]?["details"]?.GetValueKind() == JsonValueKind.String ? error["error_data"]!["details"]!.GetValue<string>() : null;
        var reason = Truncate($"{code?.ToString(CultureInfo.InvariantCulture) ?? ((int)status).ToString(CultureInfo.InvariantCulture)} {text ?? status.ToString()}{(details is null ? string.Empty : ": " + details)}", 480);
        logger?.LogInformation("WhatsApp answered {Status}: {Reason}", (int)status, reason);
        SendResult result = code switch
        {
            130429 => new SendResult.RateLimited(hint ?? TimeSpan.FromSeconds(1), reason), // throughput of the number
            4 or 80007 => new SendResult.RateLimited(hint ?? TimeSpan.FromMinutes(1), reason), // the app's or the account's limit
            131056 => new SendResult.Deferred(TimeSpan.FromSeconds(6), reason), // pair rate limit: ~1 message / 6 s to one person
            131048 => new SendResult.RateLimited(hint ?? TimeSpan.FromMinutes(5), reason), // spam rate limit of the number
            131047 => new SendResult.Permanent(reason), // outside the 24-hour window (text only; the caller falls back to the template)
            131026 or 131049 => new SendResult.Permanent(reason), // undeliverable; not delivered by Meta's choice
            131000 or 1 or 2 => new SendResult.Transient(reason, hint), // Meta's own trouble
            190 or 10 or 200 or 131005 or 131031 => new SendResult.Transient(reason, hint), // token or permission of the whole channel
            _ when status == HttpStatusCode.TooManyRequests => new SendResult.RateLimited(hint, reason),
            _ when (int)status >= 500 => new SendResult.Transient(reason, hint),
            _ when json is null => new SendResult.Transient(reason, hint), // not Meta's answer (a proxy's page)
            _ => new SendResult.Permanent(reason),
        };
        return (result, code);
    }

    /// <summary>Meta's recipient: the E.164 number without "+".</summary>
    private static string Recipient(string address) => address.StartsWith('+') ? address[1..] : address;

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex SpacesRegex();
}
