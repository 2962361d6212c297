using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Common;

namespace Piazza.Channels;

/// <summary>A channel (an account on a platform) as shown by the console and the API. Secrets are never included:
/// only the names of those that are set.</summary>
/// <param name="Id">The channel's id.</param>
/// <param name="Kind">The platform: WhatsApp, WeChat, Telegram, Facebook, X, Mastodon, Web.</param>
/// <param name="Name">Its name, unique in the organization (e.g. "WhatsEmpoli").</param>
/// <param name="IsSandbox">True when it talks to Piazza's built-in simulator instead of the real platform.</param>
/// <param name="IsEnabled">False pauses all sending and receiving on it.</param>
/// <param name="OfficeId">The office that runs it, if any.</param>
/// <param name="Settings">Non-secret settings (base URL, account ids…).</param>
/// <param name="SecretsSet">Names of the secrets that have a value (the values are never returned).</param>
/// <param name="ActiveSubscribers">Number of active subscribers.</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
public sealed record ChannelView(
    Guid Id, ChannelKind Kind, string Name, bool IsSandbox, bool IsEnabled, Guid? OfficeId,
    IReadOnlyDictionary<string, string> Settings, IReadOnlyList<string> SecretsSet, int ActiveSubscribers, DateTime CreatedAt);

/// <summary>The fields of a channel that can be set.</summary>
/// <param name="Kind">Required on creation; cannot change afterwards.</param>
/// <param name="Name">Required, at most 200 characters, unique in the organization.</param>
/// <param name="IsSandbox">Use the built-in simulator.</param>
/// <param name="IsEnabled">Enabled (default true).</param>
/// <param name="OfficeId">Optional office that runs it.</param>
/// <param name="Settings">Settings by name; unknown names are refused.</param>
/// <param name="Secrets">Secrets to set by name (an empty string clears one); secrets not mentioned keep their value.</param>
public sealed record ChannelInput(
    ChannelKind? Kind, string? Name, bool IsSandbox = false, bool IsEnabled = true, Guid? OfficeId = null,
    IReadOnlyDictionary<string, string?>? Settings = null, IReadOnlyDictionary<string, string?>? Secrets = null);

public sealed class ChannelService(ServiceContext ctx, ChannelCatalog catalog, IDataProtectionProvider protection)
{
    /// <summary>Data Protection purpose for channel secrets.</summary>
    public const string SecretsPurpose = "Piazza.Channels.Secrets.v1";

    private readonly IDataProtector _protector = protection.CreateProtector(SecretsPurpose);

    public async Task<IReadOnlyList<ChannelView>> ListAsync(CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsRead);
        var channels = await ctx.Db.Channels.AsNoTracking().OrderBy(c => c.Kind).ThenBy(c => c.Name).ToListAsync(ct);
        var counts = await CountsAsync(ct);
        return channels.Select(c => View(c, counts.GetValueOrDefault(c.Id))).ToList();
    }

    public async Task<ChannelView> GetAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsRead);
        var c = await FindAsync(id, ct);
        return View(c, await ctx.Db.Subscribers.CountAsync(s => s.ChannelId == id && s.Status == Subscribers.SubscriberStatus.Active, ct));
    }

    public async Task<ChannelView> CreateAsync(ChannelInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsWrite);
        if (input.Kind is null || !Enum.IsDefined(input.Kind.Value) || catalog.Find(input.Kind.Value) is null)
        {
            throw ValidationFailedException.For("kind", "Choose a platform: " + string.Join(", ", catalog.All.Select(d => d.Kind)) + ".");
        }

        var channel = new Channel { Id = Guid.NewGuid(), Kind = input.Kind.Value, Name = string.Empty, CreatedAt = ctx.Now };
        await ApplyAsync(channel, input, ct);
        ctx.Db.Channels.Add(channel);
        ctx.Audit.Record("channel.created", "channel", channel.Id.ToString(), $"{channel.Kind} {channel.Name}");
        await ctx.Db.SaveChangesAsync(ct);
        return View(channel, 0);
    }

    public async Task<ChannelView> UpdateAsync(Guid id, ChannelInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsWrite);
        var channel = await FindAsync(id, ct);
        if (input.Kind is { } kind && kind != channel.Kind)
        {
            throw ValidationFailedException.For("kind", "The platform of a channel cannot be changed.");
        }

        await ApplyAsync(channel, input, ct);
        var changedSecrets = input.Secrets?.Keys.ToList() ?? [];
        ctx.Audit.Record("channel.updated", "channel", channel.Id.ToString(),
            changedSecrets.Count == 0 ? channel.Name : $"{channel.Name}; secrets changed: {string.Join(", ", changedSecrets)}");
        await ctx.Db.SaveChangesAsync(ct);
        return await GetAsync(id, ct);
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsWrite);
        var channel = await FindAsync(id, ct);
        if (await ctx.Db.Subscribers.AnyAsync(s => s.ChannelId == id && s.Status == Subscribers.SubscriberStatus.Active, ct))
        {
            throw ValidationFailedException.For("id", "This channel has active subscribers: disable it instead of deleting it.");
        }

        if (await ctx.Db.Deliveries.IgnoreQueryFilters().AnyAsync(d => d.ChannelId == id && (d.State == Broadcast.DeliveryState.Queued || d.State == Broadcast.DeliveryState.Sending), ct))
        {
            throw ValidationFailedException.For("id", "This channel is sending a bulletin: wait until it has finished, or disable it.");
        }

        ctx.Db.Channels.Remove(channel);
        ctx.Audit.Record("channel.deleted", "channel", channel.Id.ToString(), channel.Name);
        await ctx.Db.SaveChangesAsync(ct);
    }

    /// <summary>The decrypted secrets of a channel, for the adapters only. Never return these to a client.</summary>
    public IReadOnlyDictionary<string, string> ReadSecrets(Channel channel) => DecryptSecrets(channel);

    public IReadOnlyDictionary<string, string> ReadSettings(Channel channel) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(channel.SettingsJson) ?? [];

    private async Task<Dictionary<Guid, int>> CountsAsync(CancellationToken ct) =>
        await ctx.Db.Subscribers.Where(s => s.Status == Subscribers.SubscriberStatus.Active)
            .GroupBy(s => s.ChannelId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);

    private async Task<Channel> FindAsync(Guid id, CancellationToken ct) =>
        await ctx.Db.Channels.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException("channel", id.ToString());

    private async Task ApplyAsync(Channel channel, ChannelInput input, CancellationToken ct)
    {
        var definition = catalog.Find(channel.Kind)!;
        var name = Rules.Clean(input.Name);
        var v = new Validation()
            .When(string.IsNullOrEmpty(name), "name", "A name is required.")
            .When(name is { Length: > 200 }, "name", "The name is longer than 200 characters.");
        if (!string.IsNullOrEmpty(name) && await ctx.Db.Channels.AnyAsync(c => c.Name == name && c.Id != channel.Id, ct))
        {
            v.Add("name", "Another channel already has this name.");
        }

        if (input.OfficeId is { } officeId && !await ctx.Db.Offices.AnyAsync(o => o.Id == officeId, ct))
        {
            v.Add("officeId", "There is no such office.");
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        List<string>? orgLanguages = null;
        List<string>? topicKeys = null;
        foreach (var (key, raw) in input.Settings ?? new Dictionary<string, string?>())
        {
            var field = definition.Settings.FirstOrDefault(f => f.Name == key);
            var value = raw?.Trim();
            if (field is null)
            {
                v.Add("settings." + key, "This platform has no such setting.");
            }
            else if (value is { Length: > 2000 })
            {
                v.Add("settings." + key, "The value is too long.");
            }
            else if (!string.IsNullOrEmpty(value) && field.IsUrl && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            {
                v.Add("settings." + key, "This must be an absolute http or https URL.");
            }
            else if (!string.IsNullOrEmpty(value))
            {
                orgLanguages ??= await ctx.Db.OrganizationLanguages.AsNoTracking().Select(l => l.Tag).ToListAsync(ct);
                if (field.EffectiveType == ChannelFieldType.Topics)
                {
                    topicKeys ??= await ctx.Db.Topics.AsNoTracking().Select(t => t.Key).ToListAsync(ct);
                }

                var (normalized, problem) = CheckSetting(field.EffectiveType, value, orgLanguages, topicKeys);
                if (problem is not null)
                {
                    v.Add("settings." + key, problem);
                }
                else
                {
                    settings[key] = normalized;
                }
            }
        }

        var secrets = new Dictionary<string, string>(DecryptSecrets(channel), StringComparer.Ordinal);
        foreach (var (key, value) in input.Secrets ?? new Dictionary<string, string?>())
        {
            if (!definition.Secrets.Any(f => f.Name == key))
            {
                v.Add("secrets." + key, "This platform has no such secret.");
            }
            else if (string.IsNullOrEmpty(value))
            {
                secrets.Remove(key);
            }
            else if (value.Length > 4000)
            {
                v.Add("secrets." + key, "The value is too long.");
            }
            else
            {
                secrets[key] = value;
            }
        }

        if (input.IsSandbox && definition.SandboxDefaults is { } sandboxDefaults)
        {
            var languages = await ctx.Db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
            var defaults = sandboxDefaults(languages);
            foreach (var (key, value) in defaults.Settings)
            {
                settings.TryAdd(key, value);
            }

            // A secret cleared in this very change stays cleared: the defaults fill only what was never set.
            var cleared = (input.Secrets ?? new Dictionary<string, string?>()).Where(e => string.IsNullOrEmpty(e.Value)).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var (key, value) in defaults.Secrets.Where(d => !cleared.Contains(d.Key)))
            {
                secrets.TryAdd(key, value);
            }
        }

        // The platform's defaults fill what neither the input nor the sandbox defaults set (a sandbox WeChat account is a
        // service account, whatever the platform's default).
        foreach (var field in definition.Settings.Where(f => f.Default is not null && !settings.ContainsKey(f.Name)))
        {
            settings[field.Name] = field.Default!;
        }

        foreach (var (field, message) in definition.Problems(settings, secrets))
        {
            v.Add(field, message);
        }

        if (!input.IsSandbox && input.IsEnabled)
        {
            foreach (var f in definition.Settings.Where(f => f.Required && !settings.ContainsKey(f.Name)))
            {
                v.Add("settings." + f.Name, "A live channel needs this setting.");
            }

            foreach (var f in definition.Secrets.Where(f => f.Required && !secrets.ContainsKey(f.Name)))
            {
                v.Add("secrets." + f.Name, "A live channel needs this secret.");
            }
        }

        v.ThrowIfInvalid();
        channel.Name = name!;
        channel.IsSandbox = input.IsSandbox;
        channel.IsEnabled = input.IsEnabled;
        channel.OfficeId = input.OfficeId;
        channel.SettingsJson = JsonSerializer.Serialize(settings);
        channel.ProtectedSecrets = secrets.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(secrets));
        channel.UpdatedAt = ctx.Now;
    }

    /// <summary>Checks a setting's value by its type; returns it normalized, or why it is wrong. A list of topics is
    /// checked against <paramref name="topicKeys"/>, the organization's topic keys.</summary>
    public static (string Value, string? Problem) CheckSetting(ChannelFieldType type, string value, IReadOnlyCollection<string> organizationLanguages, IReadOnlyCollection<string>? topicKeys = null)
    {
        switch (type)
        {
            case ChannelFieldType.Topics:
                var keys = ChannelTopics.Split(value);
                return keys.Count > 0 && keys.All(k => topicKeys?.Contains(k, StringComparer.Ordinal) == true)
                    ? (string.Join(',', keys), null)
                    : (value, "List keys of the organization's topics, separated by commas (e.g. sport,scuole).");
            case ChannelFieldType.Number:
                return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100_000
                    ? (n.ToString(System.Globalization.CultureInfo.InvariantCulture), null)
                    : (value, "Write a whole number from 1 to 100000.");
            case ChannelFieldType.Cap:
                if (string.Equals(value, "none", StringComparison.OrdinalIgnoreCase))
                {
                    return ("none", null);
                }

                return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var cap) && cap is >= 1 and <= 1000
                    ? (cap.ToString(System.Globalization.CultureInfo.InvariantCulture), null)
                    : (value, "Write a whole number from 1 to 1000, or none.");
            case ChannelFieldType.Languages:
                var tags = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Rules.NormalizeLanguageTag).Distinct(StringComparer.Ordinal).ToList();
                if (tags.Count == 0 || tags.Any(t => !organizationLanguages.Contains(t, StringComparer.Ordinal)))
                {
                    return (value, "List languages of the organization, separated by commas (e.g. zh,it).");
                }

                return (string.Join(',', tags), null);
            case ChannelFieldType.WeeklyHours:
                if (string.Equals(value, "always", StringComparison.OrdinalIgnoreCase))
                {
                    return ("always", null);
                }

                return Broadcast.WeeklyHours.TryParse(value, out var hours, out _) && !hours.IsAlways
                    ? (hours.ToString(), null)
                    : (value, "Write days and hours such as Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00, or always.");
            case ChannelFieldType.DailyRange:
                if (string.Equals(value, "none", StringComparison.OrdinalIgnoreCase))
                {
                    return ("none", null);
                }

                return Broadcast.DailyRange.TryParse(value, out var range, out _) && range is not null
                    ? (range.ToString(), null)
                    : (value, "Write a range of hours such as 21:00-08:00, or none.");
            case ChannelFieldType.LanguageMap:
                var text = value.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
                return LanguageMap.Problem(text) is { } mapProblem
                    ? (value, mapProblem)
                    : (string.Join('\n', LanguageMap.Parse(text).Select(e => e.Language + ": " + e.Value)), null);
            case ChannelFieldType.KeywordReplies:
                var lines = value.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
                return Inbound.Keywords.AutoRepliesProblem(lines) is { } repliesProblem
                    ? (value, repliesProblem)
                    : (string.Join('\n', lines.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)), null);
            default:
                return (value, null);
        }
    }

    private Dictionary<string, string> DecryptSecrets(Channel channel) =>
        channel.ProtectedSecrets is null ? [] : JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(channel.ProtectedSecrets)) ?? [];

    private ChannelView View(Channel c, int activeSubscribers) => new(
        c.Id, c.Kind, c.Name, c.IsSandbox, c.IsEnabled, c.OfficeId, ReadSettings(c),
        DecryptSecrets(c).Keys.Order(StringComparer.Ordinal).ToList(), activeSubscribers, c.CreatedAt);
}
