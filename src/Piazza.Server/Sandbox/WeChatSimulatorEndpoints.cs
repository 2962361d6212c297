using System.Text;
using Microsoft.Extensions.Localization;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Server.Resources;
using Piazza.Server.StaffConsole;

namespace Piazza.Server.Sandbox;

/// <summary>
/// The WeChat simulator's HTTP face: <c>/sandbox/wechat/cgi-bin/…</c> is the Official Account API for sandbox channels
/// (their adapter calls it instead of https://api.weixin.qq.com/cgi-bin/): <c>GET token</c>, then every other call with
/// <c>?access_token=</c>, answered HTTP 200 with WeChat's JSON, errors included. <c>GET /console/sandbox/phone/wechat/messages</c>
/// is what the citizen phone page's script polls.
/// </summary>
public static class WeChatSimulatorEndpoints
{
    /// <summary>An article's content may be up to 1 MB; with the rest of the draft, a little more.</summary>
    private const int MaxBody = (1024 * 1024) + (64 * 1024);

    public static IEndpointRouteBuilder MapWeChatSimulator(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/sandbox/wechat/cgi-bin/token", ["GET", "POST"], TokenAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        app.MapMethods("/sandbox/wechat/cgi-bin/{**api}", ["GET", "POST"], CallAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();

        // A follower's chat with one sandbox account, for the citizen phone page (it only reads).
        app.MapGet("/console/sandbox/phone/wechat/messages", async (Guid channel, string? follower, SandboxPhone sandbox, IStringLocalizer<Text> T, HttpContext context, CancellationToken ct) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            if (SandboxPhone.NormalizeFollower(follower) is not { } name)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: T["A follower's name has letters, digits and spaces (at most 40)."]);
            }

            var view = await sandbox.WeChatAsync(channel, name, ct);
            return Results.Json(new
            {
                follower = name,
                openId = view.OpenId,
                following = view.Following,
                messages = view.Messages.Select(m =>
                {
                    var (label, text) = SandboxPhone.WeChatLine(m, T);
                    return new { id = m.Id, fromCitizen = SandboxPhone.FromFollower(m), text, template = label, at = m.At, status = string.Empty };
                }),
            });
        }).RequireAuthorization(ConsoleSetup.StaffPolicy).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> TokenAsync(HttpRequest request, SandboxChannels channels, WeChatSimulator simulator, WeChatSandboxMemory memory, CancellationToken ct)
    {
        var appId = request.Query["appid"].ToString();
        var channel = appId.Length == 0 ? null : await channels.FindWeChatByAppIdAsync(appId, ct);
        if (channel is not null)
        {
            await memory.EnsureAsync(channel.Account.Id, ct);
        }

        return Json(simulator.Token(channel?.Account, request.Query["grant_type"], appId, request.Query["secret"]));
    }

    private static async Task<IResult> CallAsync(string api, HttpRequest request, SandboxChannels channels, WeChatSimulator simulator, CancellationToken ct)
    {
        var (channelId, error) = simulator.Authenticate(request.Query["access_token"]);
        if (error is not null)
        {
            return Json(error);
        }

        // The token names the account; a channel deleted, disabled or no longer a sandbox has no valid token.
        var channel = await channels.FindWeChatAsync(channelId!.Value, ct);
        if (channel is null)
        {
            return Json(WeChatSimulator.Error(40001, "invalid credential, access_token is invalid or not latest"));
        }

        if (request.ContentLength > MaxBody)
        {
            return Json(WeChatSimulator.Error(45002, "content size out of limit"));
        }

        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            var buffer = new char[MaxBody + 1];
            var read = await reader.ReadBlockAsync(buffer, ct);
            if (read > MaxBody)
            {
                return Json(WeChatSimulator.Error(45002, "content size out of limit"));
            }

            body = new string(buffer, 0, read);
        }

        var query = request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);
        return Json(simulator.Call(channel.Account, api.Trim('/'), request.Method, query, body));
    }

    private static IResult Json(WeChatAnswer answer) => Results.Text(answer.Json(), "application/json", Encoding.UTF8, StatusCodes.Status200OK);
}
