using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Piazza.Channels.Formatting;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Channels.Mastodon.Simulator;

/// <summary>A status the simulated Mastodon account received.</summary>
public sealed record MastodonSimulatedStatus(string Id, string Text, string Visibility, string? Language, string? IdempotencyKey, DateTimeOffset At);

/// <summary>What a sandbox Mastodon account gets when it is created: an instance and account name (the simulator
/// stands in for the instance) and a generated access token.</summary>
public static class MastodonSandbox
{
    public static SandboxDefaults Defaults(IReadOnlyList<string> languages) => new(
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MastodonChannel.BaseUrl] = "https://mastodon.sandbox.invalid",
            [MastodonChannel.Account] = "@comune@mastodon.sandbox.invalid",
        },
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MastodonChannel.AccessToken] = RandomNumberGenerator.GetHexString(43, lowercase: true),
        });
}

/// <summary>
/// Piazza's simulator of a Mastodon instance's <c>POST /api/v1/statuses</c> for sandbox accounts: it checks the Bearer
/// token (401), the status (present, within the channel's <c>maxCharacters</c>, links counted 23) and the visibility
/// (422, Mastodon's "Validation failed"), and honours <c>Idempotency-Key</c> as Mastodon does: a key seen in the last
/// hour returns the same status and creates none. Statuses and keys are kept in memory only (the last 200 per account;
/// lost on restart).
/// </summary>
public sealed class MastodonSimulator(TimeProvider time)
{
    public const int MaxStatusesPerAccount = 200;

    /// <summary>How long Mastodon remembers an Idempotency-Key.</summary>
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<Guid, Account> _accounts = new();
    private long _next = 110_000_000_000_000_000L + RandomNumberGenerator.GetInt32(1_000_000) * 1_000L;

    /// <summary>The statuses of a sandbox account, newest last.</summary>
    public IReadOnlyList<MastodonSimulatedStatus> StatusesOf(Guid channelId)
    {
        if (!_accounts.TryGetValue(channelId, out var account))
        {
            return [];
        }

        lock (account)
        {
            return [.. account.Statuses];
        }
    }

    /// <summary>A <c>POST /api/v1/statuses</c> for <paramref name="account"/> (null: no such sandbox account), with the
    /// request's fields (from JSON or a form).</summary>
    public SimulatorAnswer Post(ChannelAccount? account, string? authorization, string? idempotencyKey, IReadOnlyDictionary<string, string> fields)
    {
        var token = authorization is { } a && a.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? a[7..].Trim() : null;
        if (account is null || string.IsNullOrEmpty(token) || token != account.Secret(MastodonChannel.AccessToken))
        {
            return Error(401, "The access token is invalid");
        }

        var state = _accounts.GetOrAdd(account.Id, _ => new Account());
        var now = time.GetUtcNow();
        lock (state)
        {
            if (!string.IsNullOrEmpty(idempotencyKey)
                && state.Keys.TryGetValue(idempotencyKey, out var earlier) && now - earlier.At < IdempotencyWindow)
            {
                return new SimulatorAnswer(200, Json(account, earlier));
            }

            var text = fields.GetValueOrDefault("status");
            if (string.IsNullOrWhiteSpace(text))
            {
                return Error(422, "Validation failed: Text can't be blank");
            }

            var limit = MastodonChannel.LimitOf(account.Settings);
            if (MessageFormatter.Length(MessageFormat.MastodonStatus, text) > limit)
            {
                return Error(422, $"Validation failed: Text character limit of {limit.ToString(CultureInfo.InvariantCulture)} exceeded");
            }

            var visibility = fields.GetValueOrDefault("visibility") is { Length: > 0 } v ? v : "public";
            if (!MastodonChannel.Visibilities.Contains(visibility))
            {
                return Error(422, "Validation failed: Visibility is not included in the list");
            }

            var id = Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
            var status = new MastodonSimulatedStatus(id, text, visibility, fields.GetValueOrDefault("language"), idempotencyKey, now);
            state.Statuses.Add(status);
            if (state.Statuses.Count > MaxStatusesPerAccount)
            {
                state.Statuses.RemoveAt(0);
            }

            if (!string.IsNullOrEmpty(idempotencyKey))
            {
                foreach (var old in state.Keys.Where(k => now - k.Value.At >= IdempotencyWindow).Select(k => k.Key).ToList())
                {
                    state.Keys.Remove(old);
                }

                state.Keys[idempotencyKey] = status;
            }

            return new SimulatorAnswer(200, Json(account, status));
        }
    }

    /// <summary>Mastodon's error body.</summary>
    public static SimulatorAnswer Error(int status, string error) => new(status, new JsonObject { ["error"] = error });

    private static JsonObject Json(ChannelAccount account, MastodonSimulatedStatus status)
    {
        var acct = (account.Setting(MastodonChannel.Account) ?? "@comune").TrimStart('@');
        var user = acct.Split('@')[0];
        var content = string.Join(string.Empty, status.Text.Split("\n\n").Select(p => "<p>" + WebUtility.HtmlEncode(p).Replace("\n", "<br />", StringComparison.Ordinal) + "</p>"));
        return new JsonObject
        {
            ["id"] = status.Id,
            ["created_at"] = status.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["visibility"] = status.Visibility,
            ["language"] = status.Language,
            ["uri"] = $"https://mastodon.sandbox.invalid/users/{user}/statuses/{status.Id}",
            ["url"] = $"https://mastodon.sandbox.invalid/@{user}/{status.Id}",
            ["content"] = content,
            ["account"] = new JsonObject { ["username"] = user, ["acct"] = user },
        };
    }

    private sealed class Account
    {
        public List<MastodonSimulatedStatus> Statuses { get; } = [];

        public Dictionary<string, MastodonSimulatedStatus> Keys { get; } = new(StringComparer.Ordinal);
    }
}
