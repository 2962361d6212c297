using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Piazza.Channels.Formatting;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Channels.Telegram;

/// <summary>
/// Sends through the Telegram Bot API: <c>POST {baseUrl}/bot&lt;token&gt;/sendMessage</c> with the bulletin in Telegram's
/// HTML parse mode (every character written by the staff escaped by <see cref="MessageFormatter"/>), link previews off.
/// A channel with a public channel (<c>channelUsername</c>) posts each bulletin once there, in each of its languages;
/// otherwise each subscriber's chat gets it. Telegram's answers: 429 pauses the channel for <c>parameters.retry_after</c>;
/// 403 "blocked by the user" or "user is deactivated" unsubscribes the person; other 400s and 403s are permanent;
/// 401 (a wrong token: the whole channel), 5xx and network failures are retried.
/// </summary>
public sealed class TelegramAdapter(IHttpClientFactory http, ILogger<TelegramAdapter> logger, ISandboxAddress? sandbox = null) : IChannelAdapter
{
    /// <summary>The named HttpClient (timeouts are the dispatcher's).</summary>
    public const string HttpClientName = "telegram";

    public ChannelKind? Kind => ChannelKind.Telegram;

    /// <summary>Sandbox channels talk to Piazza's simulator (<c>/sandbox/telegram</c> on this server).</summary>
    public bool HasSimulator => true;

    public async Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        if (message.Texts.Count == 0)
        {
            return new SendResult.Permanent("The bulletin has no text.");
        }

        JsonNode chat;
        IReadOnlyList<BulletinText> texts;
        if (message.Address is { Length: > 0 } address)
        {
            chat = ChatId(address);
            texts = [message.Texts[0]];
        }
        else if (message.Channel.Setting(TelegramChannel.ChannelUsername) is { } username)
        {
            chat = "@" + username.TrimStart('@');
            texts = message.Texts;
        }
        else
        {
            return new SendResult.Permanent("A Telegram message needs a chat id (the subscriber left or was erased) or the channel's public channel.");
        }

        var rendered = MessageFormatter.RenderMany(MessageFormat.TelegramHtml, texts.Select(t => (t.Title, t.Markdown)).ToList());
        if (rendered.TooLong)
        {
            return new SendResult.Permanent($"The bulletin is {rendered.Length} characters long; Telegram accepts {rendered.Limit}.");
        }

        return await PostAsync(message.Channel, SendMessageBody(chat, rendered.Text, html: true), ct);
    }

    /// <summary>A reply as plain text: no parse mode, so nothing in it is taken for markup.</summary>
    public Task<SendResult> ReplyAsync(ChannelAccount channel, string address, string text, CancellationToken ct) =>
        PostAsync(channel, SendMessageBody(ChatId(address), Truncate(text, 4096), html: false), ct);

    /// <summary>The body of <c>sendMessage</c>.</summary>
    public static JsonObject SendMessageBody(JsonNode chatId, string text, bool html)
    {
        var body = new JsonObject
        {
            ["chat_id"] = chatId,
            ["text"] = text,
        };
        if (html)
        {
            body["parse_mode"] = "HTML";
        }

        // Bulletins carry links to the city's pages: no preview card under every message.
        body["link_preview_options"] = new JsonObject { ["is_disabled"] = true };
        return body;
    }

    /// <summary>A private chat's id as Telegram writes it (an integer), or the text as given (an @channel).</summary>
    public static JsonNode ChatId(string address) =>
        long.TryParse(address, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) ? JsonValue.Create(id) : JsonValue.Create(address);

    private async Task<SendResult> PostAsync(ChannelAccount channel, JsonObject body, CancellationToken ct)
    {
        var baseUrl = channel.IsSandbox
            ? sandbox?.TelegramBaseUrl
            : (channel.Setting(TelegramChannel.BaseUrl) ?? "https://api.telegram.org").TrimEnd('/');
        if (baseUrl is null)
        {
            return new SendResult.Transient("The address of the sandbox simulator is not known yet (setting Sandbox:BaseUrl).");
        }

        if (channel.Secret(TelegramChannel.BotToken) is not { } token)
        {
            // A configuration problem of the whole channel: retried (the circuit stops the channel) until someone fixes it.
            return new SendResult.Transient("The channel has no bot token.");
        }

        // The token is part of the path: never logged (the request is not logged, and errors keep only Telegram's description).
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/bot{token}/sendMessage")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
            var content = await response.Content.ReadAsStringAsync(ct);
            return Interpret(response.StatusCode, content, logger);
        }
        catch (HttpRequestException e)
        {
            return new SendResult.Transient("Telegram could not be reached: " + e.Message);
        }
    }

    /// <summary>Maps Telegram's answer to what the dispatcher does next.</summary>
    public static SendResult Interpret(HttpStatusCode status, string content, ILogger? logger = null)
    {
        JsonNode? json = null;
        try
        {
            json = content.Length == 0 ? null : JsonNode.Parse(content);
        }
        catch (JsonException)
        {
        }

        if ((int)status is >= 200 and < 300 && json?["ok"]?.GetValueKind() == JsonValueKind.True)
        {
            var result = json["result"];
            var messageId = result?["message_id"]?.GetValueKind() == JsonValueKind.Number ? result["message_id"]!.GetValue<long>() : (long?)null;
            var chatId = result?["chat"]?["id"]?.GetValueKind() == JsonValueKind.Number ? result["chat"]!["id"]!.GetValue<long>() : (long?)null;
            return messageId is null
                ? new SendResult.Sent(null)
                : new SendResult.Sent(chatId is null
                    ? messageId.Value.ToString(CultureInfo.InvariantCulture)
                    : $"{chatId.Value.ToString(CultureInfo.InvariantCulture)}:{messageId.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        var code = json?["error_code"]?.GetValueKind() == JsonValueKind.Number ? json["error_code"]!.GetValue<int>() : (int)status;
        var description = json?["description"]?.GetValueKind() == JsonValueKind.String ? json["description"]!.GetValue<string>() : status.ToString();
        var retryAfter = json?["parameters"]?["retry_after"]?.GetValueKind() == JsonValueKind.Number
            ? TimeSpan.FromSeconds(json["parameters"]!["retry_after"]!.GetValue<double>())
            : (TimeSpan?)null;
        var reason = Truncate($"{code.ToString(CultureInfo.InvariantCulture)} {description}", 480);
        logger?.LogInformation("Telegram answered {Status}: {Reason}", (int)status, reason);
        var lower = description.ToLowerInvariant();
        return code switch
        {
            429 => new SendResult.RateLimited(retryAfter ?? TimeSpan.FromSeconds(1), reason),
            403 when lower.Contains("blocked by the user", StringComparison.Ordinal) || lower.Contains("user is deactivated", StringComparison.Ordinal) => new SendResult.Permanent(reason, RecipientGone: true),
            401 => new SendResult.Transient(reason, retryAfter), // the bot token: a problem of the whole channel
            >= 500 => new SendResult.Transient(reason, retryAfter),
            _ when json is null => new SendResult.Transient(reason, retryAfter), // not Telegram's answer (a proxy's page)
            400 or 403 or 404 => new SendResult.Permanent(reason),
            _ => new SendResult.Transient(reason, retryAfter),
        };
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
