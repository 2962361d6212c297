using System.Globalization;
using System.Text.Json;
using Piazza.Channels;
using Piazza.Channels.Telegram;
using Piazza.Data;
using Piazza.Inbound;

namespace Piazza.Server.Hooks;

/// <summary>
/// <c>POST /hooks/telegram/{channelId}</c>, the URL given to the bot's <c>setWebhook</c> with the channel's webhook
/// secret as <c>secret_token</c>. The header <c>X-Telegram-Bot-Api-Secret-Token</c> is compared (in constant time) before
/// the body is parsed: 403 and nothing stored otherwise. A person's message in a private chat is stored once per
/// (channel, update id) — Telegram resends an update until it gets 200 — with the chat id as the address and the app's
/// language code, and the inbound processor handles it (/start, /stop, /topics, numbers, anything else for the staff).
/// The person blocking the bot (<c>my_chat_member</c> "kicked") unsubscribes them.
/// </summary>
public static class TelegramHooks
{
    /// <summary>Updates are small; anything larger is refused unread.</summary>
    public const int MaxBody = 256 * 1024;

    public static IEndpointRouteBuilder MapTelegramHooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/hooks/telegram/{channelId:guid}", ReceiveAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        Guid channelId, HttpRequest request, HookChannels channels, IServiceScopeFactory scopes, InboundSignals signals,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var channel = await channels.FindAsync(channelId, ChannelKind.Telegram, ct);
        if (channel is null)
        {
            return Results.NotFound();
        }

        if (!TelegramWebhook.SecretValid(request.Headers[TelegramWebhook.SecretHeader], channel.Account.Secret(TelegramChannel.WebhookSecret)))
        {
            loggers.CreateLogger(typeof(TelegramHooks)).LogWarning("Telegram webhook of channel {Channel}: missing or wrong secret token, ignored", channelId);
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The X-Telegram-Bot-Api-Secret-Token header is missing or wrong.");
        }

        if (request.ContentLength > MaxBody)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var body = await HookBody.ReadAsync(request, MaxBody, ct);
        if (body is null)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        TelegramInbound? inbound;
        try
        {
            inbound = TelegramWebhook.Parse(body);
        }
        catch (JsonException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a Telegram update.", detail: e.Message);
        }

        if (inbound is not null)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            await InboundStore.AddAsync(db, [new InboundMessage
            {
                OrganizationId = channel.Account.OrganizationId,
                ChannelId = channelId,
                PlatformMessageId = "u" + inbound.UpdateId.ToString(CultureInfo.InvariantCulture),
                Address = inbound.ChatId,
                DisplayName = inbound.Name,
                Event = inbound.Blocked ? "unsubscribe" : null,
                EventKey = inbound.LanguageCode is { Length: > 0 and <= 35 } code ? code : null,
                Text = inbound.Text.Length > 4096 ? inbound.Text[..4096] : inbound.Text,
                SentAt = inbound.SentAt,
                ReceivedAt = time.GetUtcNow().UtcDateTime,
            }], ct);
            signals.Arrived();
        }

        // Anything else (edits, channel posts…) is acknowledged, or Telegram would send it again.
        return Results.Ok();
    }
}
