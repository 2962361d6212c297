using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Piazza.Broadcast;

namespace Piazza.Channels.WhatsApp;

/// <summary>A message a person sent, as Meta's webhook reports it.</summary>
/// <param name="Id">Meta's message id (wamid…), unique: retries repeat it.</param>
/// <param name="From">The sender's number, E.164 with "+".</param>
/// <param name="Name">The profile name, if Meta gave one.</param>
/// <param name="Text">The text; for other kinds of message, "[image]", "[audio]"…</param>
/// <param name="SentAt">When it was sent (UTC).</param>
public sealed record WhatsAppInbound(string Id, string From, string? Name, string Text, DateTime SentAt);

/// <summary>What Meta's webhook carried: messages from people and statuses of sent messages.</summary>
public sealed record WhatsAppNotification(IReadOnlyList<WhatsAppInbound> Messages, IReadOnlyList<StatusUpdate> Statuses);

/// <summary>
/// Meta's webhook: the verification handshake, the <c>X-Hub-Signature-256</c> check (HMAC-SHA256 of the raw body with
/// the app secret, compared in constant time, before anything is parsed) and the notification's parsing.
/// </summary>
public static class WhatsAppWebhook
{
    /// <summary>The answer to Meta's GET: the challenge when the mode is "subscribe" and the token matches, else null (403).</summary>
    public static string? Verify(string? mode, string? token, string? challenge, string? expectedToken)
    {
        if (mode != "subscribe" || string.IsNullOrEmpty(token) || string.IsNullOrEmpty(expectedToken) || challenge is null)
        {
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(expectedToken)) ? challenge : null;
    }

    /// <summary>True when <paramref name="header"/> is <c>sha256=</c> and the hex HMAC-SHA256 of the body with the secret.</summary>
    public static bool SignatureValid(ReadOnlySpan<byte> body, string? header, string? appSecret)
    {
        const string Prefix = "sha256=";
        if (string.IsNullOrEmpty(appSecret) || header is null || !header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || header.Length != Prefix.Length + 64)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[32];
        try
        {
            if (Convert.FromHexString(header.AsSpan(Prefix.Length), given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
            {
                return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    /// <summary>The signature header Meta would send for a body (for the simulator and tests).</summary>
    public static string Sign(ReadOnlySpan<byte> body, string appSecret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));

    /// <summary>Reads a notification; throws <see cref="JsonException"/> when it is not one.</summary>
    public static WhatsAppNotification Parse(ReadOnlySpan<byte> body, Guid channelId)
    {
        using var doc = JsonDocument.Parse(body.ToArray());
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("object", out var obj) || obj.GetString() != "whatsapp_business_account")
        {
            throw new JsonException("Not a WhatsApp Business Account notification.");
        }

        var messages = new List<WhatsAppInbound>();
        var statuses = new List<StatusUpdate>();
        foreach (var entry in Array(root, "entry"))
        {
            foreach (var change in Array(entry, "changes"))
            {
                if (!change.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var names = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var contact in Array(value, "contacts"))
                {
                    if (Str(contact, "wa_id") is { } waId && contact.TryGetProperty("profile", out var profile) && Str(profile, "name") is { } name)
                    {
                        names[waId] = name;
                    }
                }

                foreach (var m in Array(value, "messages"))
                {
                    if (Str(m, "id") is not { } id || Str(m, "from") is not { } from)
                    {
                        continue;
                    }

                    var type = Str(m, "type") ?? "unknown";
                    var text = type switch
                    {
                        "text" when m.TryGetProperty("text", out var t) => Str(t, "body") ?? string.Empty,
                        "button" when m.TryGetProperty("button", out var b) => Str(b, "text") ?? "[button]",
                        "interactive" => "[interactive]",
                        _ => "[" + type + "]",
                    };
                    messages.Add(new WhatsAppInbound(id, "+" + from.TrimStart('+'), names.GetValueOrDefault(from), text, Time(m)));
                }

                foreach (var s in Array(value, "statuses"))
                {
                    if (Str(s, "id") is not { } id)
                    {
                        continue;
                    }

                    DeliveryState? state = Str(s, "status") switch
                    {
                        "sent" => DeliveryState.Sent,
                        "delivered" => DeliveryState.Delivered,
                        "read" => DeliveryState.Read,
                        "failed" => DeliveryState.Failed,
                        _ => null,
                    };
                    if (state is null)
                    {
                        continue;
                    }

                    string? error = null;
                    if (state == DeliveryState.Failed)
                    {
                        var first = Array(s, "errors").FirstOrDefault();
                        error = first.ValueKind == JsonValueKind.Object
                            ? $"{(first.TryGetProperty("code", out var c) ? c.ToString() : "?")} {Str(first, "title") ?? Str(first, "message") ?? "failed"}"
                            : "failed";
                    }

                    statuses.Add(new StatusUpdate(channelId, id, state.Value, Time(s), error));
                }
            }
        }

        return new WhatsAppNotification(messages, statuses);
    }

    private static JsonElement[] Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? [.. a.EnumerateArray()] : [];

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Meta's timestamp: Unix seconds, as a string.</summary>
    private static DateTime Time(JsonElement element) =>
        Str(element, "timestamp") is { } ts && long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime
            : DateTime.UtcNow;
}
