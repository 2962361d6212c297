using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Piazza.Channels.Telegram;

/// <summary>A person's message (or their blocking the bot) from a Telegram update.</summary>
/// <param name="UpdateId">Telegram's update id (unique per bot; Telegram resends an update until answered 200).</param>
/// <param name="ChatId">The private chat: the person's address.</param>
/// <param name="Name">Their first and last name.</param>
/// <param name="LanguageCode">The language of their app (IETF tag), if Telegram gave it.</param>
/// <param name="Text">What they wrote ("[photo]" and the like for other messages).</param>
/// <param name="SentAt">When, by Telegram's clock (UTC).</param>
/// <param name="Blocked">True when the update says the person blocked the bot (<c>my_chat_member</c> "kicked").</param>
public sealed record TelegramInbound(long UpdateId, string ChatId, string? Name, string? LanguageCode, string Text, DateTime SentAt, bool Blocked);

/// <summary>Checks and reads Telegram's webhook updates.</summary>
public static class TelegramWebhook
{
    /// <summary>The header carrying the secret given to setWebhook.</summary>
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    /// <summary>True when <paramref name="header"/> is the channel's secret, compared in constant time. A channel without
    /// a secret accepts nothing.</summary>
    public static bool SecretValid(string? header, string? secret)
    {
        if (string.IsNullOrEmpty(header) || string.IsNullOrEmpty(secret))
        {
            return false;
        }

        // Hashing first makes the comparison's time independent of the lengths too.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header)), SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
    }

    /// <summary>The person's message in an update, or null for updates Piazza does not handle (edits, group and channel
    /// posts, callbacks…). Throws <see cref="JsonException"/> for a body that is not an update.</summary>
    public static TelegramInbound? Parse(byte[] body)
    {
        var update = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("The update is not a JSON object.");
        if (update["update_id"]?.GetValueKind() != JsonValueKind.Number)
        {
            throw new JsonException("The update has no update_id.");
        }

        var updateId = update["update_id"]!.GetValue<long>();
        if (update["message"] is JsonObject message)
        {
            var chat = message["chat"];
            if ((string?)chat?["type"] is not "private" || chat?["id"]?.GetValueKind() != JsonValueKind.Number)
            {
                return null;
            }

            var from = message["from"];
            var text = message["text"]?.GetValueKind() == JsonValueKind.String
                ? message["text"]!.GetValue<string>()
                : "[" + (message.Select(p => p.Key).FirstOrDefault(k => k is "photo" or "video" or "voice" or "audio" or "document" or "sticker" or "location" or "contact") ?? "message") + "]";
            return new TelegramInbound(updateId, Id(chat!["id"]!), Name(from), Str(from?["language_code"]), text, Date(message["date"]), false);
        }

        if (update["my_chat_member"] is JsonObject member && (string?)member["chat"]?["type"] == "private" && member["chat"]?["id"]?.GetValueKind() == JsonValueKind.Number)
        {
            var status = (string?)member["new_chat_member"]?["status"];
            return status == "kicked"
                ? new TelegramInbound(updateId, Id(member["chat"]!["id"]!), Name(member["from"]), Str(member["from"]?["language_code"]), "[blocked the bot]", Date(member["date"]), true)
                : null;
        }

        return null;
    }

    private static string Id(JsonNode id) => id.GetValue<long>().ToString(CultureInfo.InvariantCulture);

    private static string? Str(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static string? Name(JsonNode? from)
    {
        var name = string.Join(' ', new[] { Str(from?["first_name"]), Str(from?["last_name"]) }.Where(n => !string.IsNullOrWhiteSpace(n)));
        return name.Length == 0 ? null : name.Length > 200 ? name[..200] : name;
    }

    private static DateTime Date(JsonNode? date) =>
        date?.GetValueKind() == JsonValueKind.Number ? DateTimeOffset.FromUnixTimeSeconds(date.GetValue<long>()).UtcDateTime : DateTime.UtcNow;
}
