using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.Telegram;
using Piazza.Channels.Telegram.Simulator;
using Piazza.Channels.WhatsApp.Simulator;
using Piazza.Data;
using Piazza.Server.Hooks;
using Piazza.Server.Resources;
using Piazza.Server.StaffConsole;

namespace Piazza.Server.Sandbox;

/// <summary>
/// The Telegram simulator's HTTP face: <c>GET|POST /sandbox/telegram/bot&lt;token&gt;/&lt;method&gt;</c> is the Bot API for
/// sandbox channels (their adapter calls it instead of api.telegram.org), the bot found by its token. Parameters come as
/// JSON, a form or the query string, as Telegram accepts them.
/// </summary>
public static class TelegramSimulatorEndpoints
{
    private const int MaxBody = 64 * 1024;

    public static IEndpointRouteBuilder MapTelegramSimulator(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/sandbox/telegram/{bot}/{method}", ["GET", "POST"], CallAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();

        // A person's chat with a sandbox bot, or a sandbox public channel's posts, for the citizen phone page (it only reads).
        app.MapGet("/console/sandbox/phone/telegram/messages", async (
            Guid channel, string? name, string? lang, string? chat, TelegramPhone phone, IStringLocalizer<Text> T, HttpContext context, CancellationToken ct) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            var (person, problem) = TelegramPhone.PersonOf(name ?? TelegramPhone.DefaultPerson, lang, chat);
            if (person is null)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: T[problem!]);
            }

            var view = await phone.ViewAsync(channel, person, ct);
            return Results.Json(new
            {
                publicChannel = view.PublicChannel,
                blocked = view.Blocked,
                messages = view.Messages.Select(m => new
                {
                    id = m.MessageId.ToString(CultureInfo.InvariantCulture), fromCitizen = m.FromCitizen, text = m.Text, nodes = TelegramAppView.Nodes(m),
                    template = (string?)null, at = m.At, status = string.Empty,
                }),
            });
        }).RequireAuthorization(ConsoleSetup.StaffPolicy).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> CallAsync(string bot, string method, HttpRequest request, TelegramSandboxBots bots, TelegramSimulator simulator, CancellationToken ct)
    {
        if (!bot.StartsWith("bot", StringComparison.Ordinal))
        {
            return Json(new TelegramAnswer(404, new JsonObject { ["ok"] = false, ["error_code"] = 404, ["description"] = "Not Found" }));
        }

        JsonObject args = [];
        foreach (var (key, value) in request.Query)
        {
            args[key] = value.ToString();
        }

        if (request.ContentLength > MaxBody)
        {
            return Json(new TelegramAnswer(413, new JsonObject { ["ok"] = false, ["error_code"] = 413, ["description"] = "Request Entity Too Large" }));
        }

        if (HttpMethods.IsPost(request.Method))
        {
            if (request.HasFormContentType)
            {
                foreach (var (key, value) in await request.ReadFormAsync(ct))
                {
                    args[key] = value.ToString();
                }
            }
            else
            {
                var body = await HookBody.ReadAsync(request, MaxBody, ct);
                if (body is null)
                {
                    return Json(new TelegramAnswer(413, new JsonObject { ["ok"] = false, ["error_code"] = 413, ["description"] = "Request Entity Too Large" }));
                }

                if (body.Length > 0)
                {
                    try
                    {
                        if (JsonNode.Parse(body) is JsonObject json)
                        {
                            foreach (var (key, value) in json.ToList())
                            {
                                json.Remove(key);
                                args[key] = value;
                            }
                        }
                    }
                    catch (JsonException)
                    {
                        return Json(new TelegramAnswer(400, new JsonObject { ["ok"] = false, ["error_code"] = 400, ["description"] = "Bad Request: can't parse JSON" }));
                    }
                }
            }
        }

        var channel = await bots.FindByTokenAsync(bot["bot".Length..], ct);
        if (channel is not null && !simulator.Knows(channel.Account.Id))
        {
            await bots.LearnAsync(channel.Account, ct);
        }

        return Json(simulator.Call(channel?.Account, method, args));
    }

    private static IResult Json(TelegramAnswer answer) =>
        Results.Text(answer.Body.ToJsonString(), "application/json", Encoding.UTF8, answer.Status);
}

/// <summary>Finds the sandbox Telegram channel a simulator call is addressed to, by its bot token (the list of sandbox
/// Telegram channels is read again every five seconds, and at once for an unknown token: a channel just created), and posts a
/// simulated person's updates to the channel's webhook with its secret token, as Telegram does after setWebhook.</summary>
public sealed class TelegramSandboxBots(IServiceScopeFactory scopes, HookChannels hooks, ISandboxAddress address, IHttpClientFactory http, TelegramSimulator simulator, TimeProvider time) : IDisposable
{
    /// <summary>The named HttpClient that posts updates.</summary>
    public const string HttpClientName = "telegram-simulator";

    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile List<Guid> _ids = [];
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private long _loads;

    public async Task<ChannelSnapshot?> FindByTokenAsync(string token, CancellationToken ct)
    {
        if (token.Length == 0)
        {
            return null;
        }

        var seen = Interlocked.Read(ref _loads);
        var found = await FindAsync(_ids, token, ct);
        if (found is null || time.GetUtcNow() - _loadedAt > TimeSpan.FromSeconds(5))
        {
            await LoadAsync(seen, ct);
            found = await FindAsync(_ids, token, ct);
        }

        return found;
    }

    /// <summary>A simulated person writes <paramref name="text"/> to the bot; the update is posted to the webhook.
    /// Returns the webhook's HTTP status.</summary>
    public Task<int> CitizenWritesAsync(ChannelAccount account, long chatId, string firstName, string? languageCode, string text, CancellationToken ct) =>
        PostAsync(account, simulator.CitizenWrites(account, chatId, firstName, languageCode, text), ct);

    /// <summary>A simulated person blocks the bot; the update is posted to the webhook. Returns the webhook's HTTP status.</summary>
    public Task<int> BlockAsync(ChannelAccount account, long chatId, CancellationToken ct) => PostAsync(account, simulator.Block(account, chatId), ct);

    private async Task<int> PostAsync(ChannelAccount account, JsonObject update, CancellationToken ct)
    {
        // The webhook the bot set, else the channel's own (a sandbox channel needs no setWebhook call).
        var webhook = simulator.Webhook(account.Id);
        var url = webhook?.Url ?? (address.BaseAddress is { } b ? $"{b.ToString().TrimEnd('/')}/hooks/telegram/{account.Id}" : null);
        if (url is null)
        {
            return 0;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(update.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if ((webhook?.Secret ?? account.Secret(TelegramChannel.WebhookSecret)) is { } secret)
        {
            request.Headers.TryAddWithoutValidation(TelegramWebhook.SecretHeader, secret);
        }

        using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        return (int)response.StatusCode;
    }

    private async Task<ChannelSnapshot?> FindAsync(List<Guid> ids, string token, CancellationToken ct)
    {
        var wanted = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        foreach (var id in ids)
        {
            var channel = await hooks.FindAsync(id, ChannelKind.Telegram, ct);
            if (channel is { Account.IsSandbox: true } && channel.Account.Secret(TelegramChannel.BotToken) is { } own
                && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(own)), wanted))
            {
                return channel;
            }
        }

        return null;
    }

    /// <summary>Tells the simulator, when it first meets a sandbox bot, the chats of the channel's active subscribers.</summary>
    public async Task LearnAsync(ChannelAccount account, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var addresses = await db.Subscribers.IgnoreQueryFilters().AsNoTracking()
            .Where(s => s.ChannelId == account.Id && s.Status == Subscribers.SubscriberStatus.Active)
            .OrderByDescending(s => s.Id).Select(s => s.Address).Take(10_000).ToListAsync(ct);
        simulator.Learn(account, addresses.Select(a => long.TryParse(a, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : (long?)null)
            .Where(id => id is not null).Select(id => id!.Value));
    }

    public void Dispose() => _loading.Dispose();

    /// <summary>Reads the list again, unless another request read it since this one looked (<paramref name="seen"/> loads):
    /// one query serves the requests that waited for it.</summary>
    private async Task LoadAsync(long seen, CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            if (Interlocked.Read(ref _loads) != seen)
            {
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            _ids = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == ChannelKind.Telegram && c.IsSandbox).Select(c => c.Id).ToListAsync(ct);
            _loadedAt = time.GetUtcNow();
            Interlocked.Increment(ref _loads);
        }
        finally
        {
            _loading.Release();
        }
    }
}
