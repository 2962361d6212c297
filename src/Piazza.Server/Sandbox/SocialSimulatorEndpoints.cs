using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Piazza.Channels;
using Piazza.Channels.Facebook.Simulator;
using Piazza.Channels.Mastodon.Simulator;
using Piazza.Channels.WhatsApp.Simulator;
using Piazza.Channels.X.Simulator;
using Piazza.Server.Hooks;

namespace Piazza.Server.Sandbox;

/// <summary>
/// The HTTP face of the social publishing simulators, one simulated API per sandbox channel (its id in the path):
/// <c>POST /sandbox/facebook/{channelId}/{version}/{pageId}/feed</c> (Graph API),
/// <c>POST /sandbox/x/{channelId}/2/tweets</c> (X API v2) and
/// <c>POST /sandbox/mastodon/{channelId}/api/v1/statuses</c> (a Mastodon instance). A channel that does not exist, is
/// disabled or is not a sandbox is answered as the platform answers an unknown object or token.
/// </summary>
public static class SocialSimulatorEndpoints
{
    private const int MaxBody = 256 * 1024;

    public static IEndpointRouteBuilder MapSocialSimulators(this IEndpointRouteBuilder app)
    {
        app.MapPost("/sandbox/facebook/{channelId:guid}/{version}/{pageId}/feed", async (Guid channelId, string pageId, HttpRequest request, HookChannels channels, FacebookSimulator simulator, CancellationToken ct) =>
        {
            var fields = await FieldsAsync(request, ct);
            var account = await SandboxAsync(channels, channelId, ChannelKind.Facebook, ct);
            return fields is null
                ? Json(FacebookSimulator.Error(400, 100, "(#100) Invalid request body.", "GraphMethodException"))
                : Json(simulator.Publish(account, pageId, request.Headers.Authorization, fields));
        }).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();

        app.MapPost("/sandbox/x/{channelId:guid}/2/tweets", async (Guid channelId, HttpRequest request, HookChannels channels, XSimulator simulator, CancellationToken ct) =>
        {
            var body = await ReadAsync(request, ct);
            var account = await SandboxAsync(channels, channelId, ChannelKind.X, ct);
            return body is null
                ? Json(XSimulator.Problem(413, "Payload Too Large", "The request body is too large.", "about:blank"))
                : Json(simulator.Tweet(account, request.Headers.Authorization, body));
        }).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();

        app.MapPost("/sandbox/mastodon/{channelId:guid}/api/v1/statuses", async (Guid channelId, HttpRequest request, HookChannels channels, MastodonSimulator simulator, CancellationToken ct) =>
        {
            var fields = await FieldsAsync(request, ct);
            var account = await SandboxAsync(channels, channelId, ChannelKind.Mastodon, ct);
            string? key = request.Headers["Idempotency-Key"];
            return fields is null
                ? Json(MastodonSimulator.Error(422, "Validation failed: the request body could not be read"))
                : Json(simulator.Post(account, request.Headers.Authorization, key, fields));
        }).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        return app;
    }

    private static async Task<ChannelAccount?> SandboxAsync(HookChannels channels, Guid channelId, ChannelKind kind, CancellationToken ct) =>
        await channels.FindAsync(channelId, kind, ct) is { Account.IsSandbox: true } channel ? channel.Account : null;

    /// <summary>The request's fields, from a form or a JSON object (string values; numbers and booleans as text); null
    /// for a body that is too large or neither.</summary>
    private static async Task<IReadOnlyDictionary<string, string>?> FieldsAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HasFormContentType)
        {
            if (request.ContentLength > MaxBody)
            {
                return null;
            }

            var form = await request.ReadFormAsync(ct);
            return form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        }

        var body = await ReadAsync(request, ct);
        if (body is null)
        {
            return null;
        }

        if (body.Length == 0)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        try
        {
            if (JsonNode.Parse(body) is not JsonObject json)
            {
                return null;
            }

            return json.Where(p => p.Value is JsonValue).ToDictionary(
                p => p.Key,
                p => p.Value!.GetValueKind() == JsonValueKind.String ? p.Value.GetValue<string>() : p.Value.ToJsonString(),
                StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<string?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBody)
        {
            return null;
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[MaxBody + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        return read > MaxBody ? null : new string(buffer, 0, read);
    }

    private static IResult Json(SimulatorAnswer answer) =>
        Results.Text(answer.Body.ToJsonString(), "application/json", Encoding.UTF8, answer.Status);
}
