using System.Text;
using Piazza.Channels;
using Piazza.Channels.WeChat;

namespace Piazza.Server.Hooks;

/// <summary>
/// <c>GET/POST /hooks/wechat/{channelId}</c>, the server URL entered in the Official Account's basic configuration. GET
/// is WeChat's URL check; POST carries messages and events (plain or safe mode), checked, stored and answered by
/// <see cref="WeChatCallbacks"/>. Bodies larger than <see cref="WeChatXml.MaxBody"/> are refused unread.
/// </summary>
public static class WeChatHooks
{
    public static IEndpointRouteBuilder MapWeChatHooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/hooks/wechat").AllowAnonymous().ExcludeFromDescription();
        hooks.MapGet("/{channelId:guid}", async (Guid channelId, HttpRequest request, HookChannels channels, CancellationToken ct) =>
        {
            var channel = await channels.FindAsync(channelId, ChannelKind.WeChat, ct);
            var q = request.Query;
            var echo = channel is null ? null : WeChatCallbacks.Verify(channel.Account, q["signature"], q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"]);
            return echo is null ? Results.StatusCode(StatusCodes.Status403Forbidden) : Results.Text(echo, "text/plain");
        });
        hooks.MapPost("/{channelId:guid}", ReceiveAsync);
        return app;
    }

    private static async Task<IResult> ReceiveAsync(Guid channelId, HttpRequest request, HookChannels channels, WeChatCallbacks callbacks, CancellationToken ct)
    {
        if (request.ContentLength > WeChatXml.MaxBody)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var body = await HookBody.ReadAsync(request, WeChatXml.MaxBody, ct);
        if (body is null)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var channel = await channels.FindAsync(channelId, ChannelKind.WeChat, ct);
        if (channel is null)
        {
            return Results.NotFound();
        }

        var q = request.Query;
        var answer = await callbacks.ReceiveAsync(
            channel.Account, new WeChatCallbackRequest(q["signature"], q["timestamp"], q["nonce"], q["encrypt_type"], q["msg_signature"], Encoding.UTF8.GetString(body)), ct);
        return answer.Status == StatusCodes.Status200OK
            ? Results.Text(answer.Body, answer.ContentType)
            : Results.Problem(statusCode: answer.Status, title: answer.Body);
    }
}
