using System.Text.Json;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.WhatsApp;
using Piazza.Data;
using Piazza.Inbound;

namespace Piazza.Server.Hooks;

/// <summary>
/// <c>GET/POST /hooks/whatsapp/{channelId}</c>, the webhook URL entered in the Meta app. GET is Meta's verification
/// handshake. POST checks <c>X-Hub-Signature-256</c> on the raw body before anything is parsed (401, nothing stored),
/// then hands statuses to the batch updater and stores people's messages (once per message id: Meta retries), and
/// answers at once; the messages are handled by the inbound processor.
/// </summary>
public static class WhatsAppHooks
{
    /// <summary>Meta's notifications are small; anything larger is refused unread.</summary>
    public const int MaxBody = 1024 * 1024;

    public static IEndpointRouteBuilder MapWhatsAppHooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/hooks/whatsapp").AllowAnonymous().ExcludeFromDescription();
        hooks.MapGet("/{channelId:guid}", async (Guid channelId, HttpRequest request, HookChannels channels, CancellationToken ct) =>
        {
            var channel = await channels.FindAsync(channelId, ChannelKind.WhatsApp, ct);
            var challenge = WhatsAppWebhook.Verify(
                request.Query["hub.mode"], request.Query["hub.verify_token"], request.Query["hub.challenge"], channel?.Account.Secret(WhatsAppChannel.VerifyToken));
            return challenge is null ? Results.StatusCode(StatusCodes.Status403Forbidden) : Results.Text(challenge, "text/plain");
        });
        hooks.MapPost("/{channelId:guid}", ReceiveAsync);
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        Guid channelId, HttpRequest request, HookChannels channels, DeliveryStatusUpdater statuses, IServiceScopeFactory scopes, InboundSignals signals,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        if (request.ContentLength > MaxBody)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var body = await HookBody.ReadAsync(request, MaxBody, ct);
        if (body is null)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var channel = await channels.FindAsync(channelId, ChannelKind.WhatsApp, ct);
        if (channel is null)
        {
            return Results.NotFound();
        }

        if (!WhatsAppWebhook.SignatureValid(body, request.Headers["X-Hub-Signature-256"], channel.Account.Secret(WhatsAppChannel.AppSecret)))
        {
            loggers.CreateLogger(typeof(WhatsAppHooks)).LogWarning("WhatsApp webhook of channel {Channel}: missing or wrong signature, ignored", channelId);
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The X-Hub-Signature-256 header is missing or wrong.");
        }

        WhatsAppNotification notification;
        try
        {
            notification = WhatsAppWebhook.Parse(body, channelId);
        }
        catch (JsonException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a WhatsApp notification.", detail: e.Message);
        }

        foreach (var status in notification.Statuses)
        {
            await statuses.Report(status, ct);
        }

        if (notification.Messages.Count > 0)
        {
            var now = time.GetUtcNow().UtcDateTime;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            await InboundStore.AddAsync(db, notification.Messages.Select(m => new InboundMessage
            {
                OrganizationId = channel.Account.OrganizationId,
                ChannelId = channelId,
                PlatformMessageId = m.Id,
                Address = m.From,
                DisplayName = m.Name,
                Text = m.Text,
                SentAt = m.SentAt,
                ReceivedAt = now,
            }).ToList(), ct);
            signals.Arrived();
        }

        return Results.Ok();
    }
}
