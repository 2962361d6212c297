using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Common;
using Piazza.Data;
using Piazza.Inbound;

namespace Piazza.Policies;

/// <summary>A published version of a channel's policy, in the list of versions.</summary>
/// <param name="Version">Its number (1, 2, 3…): what a consent records.</param>
/// <param name="PublishedAt">When it was published (UTC); it is in force from then until the next version.</param>
/// <param name="PublishedBy">Who published it.</param>
/// <param name="Note">What changed from the version before, if said.</param>
/// <param name="Languages">The languages it is written in.</param>
public sealed record ChannelPolicySummary(int Version, DateTime PublishedAt, string? PublishedBy, string? Note, IReadOnlyList<string> Languages);

/// <summary>A published version of a channel's policy with its texts.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="Version">Its number (1, 2, 3…).</param>
/// <param name="PublishedAt">When it was published (UTC).</param>
/// <param name="PublishedBy">Who published it.</param>
/// <param name="Note">What changed from the version before, if said.</param>
/// <param name="IsCurrent">True for the latest version, the one in force.</param>
/// <param name="Texts">The text (Markdown) in each language of the organization, in the organization's order.</param>
public sealed record ChannelPolicyView(Guid ChannelId, int Version, DateTime PublishedAt, string? PublishedBy, string? Note, bool IsCurrent, IReadOnlyDictionary<string, string> Texts);

/// <summary>A new version of a channel's policy.</summary>
/// <param name="Texts">Required: the text in Markdown for each language of the organization (at most 20,000 characters each).</param>
/// <param name="Note">Optional: what changed, at most 500 characters.</param>
public sealed record ChannelPolicyInput(IReadOnlyDictionary<string, string?>? Texts, string? Note = null);

/// <summary>A channel's policy as the public pages show it: the channel, the version asked for (or the current one), and
/// every version with its date.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="ChannelName">Its name.</param>
/// <param name="Kind">Its platform.</param>
/// <param name="Policy">The version shown.</param>
/// <param name="Versions">Every version, newest first.</param>
public sealed record PublicChannelPolicy(Guid ChannelId, string ChannelName, Channels.ChannelKind Kind, ChannelPolicyView Policy, IReadOnlyList<ChannelPolicySummary> Versions);

/// <summary>
/// The published policies of the channels: staff who manage channels publish a new version (the text in every language
/// of the organization), everyone who sees the channel reads them; versions are never edited or deleted. The version in
/// force is the latest; consents record it (<see cref="VersionInForceAsync"/>), and the subscription's confirmation links
/// to its public page. Publishing is audited in the same unit of work.
/// </summary>
public sealed class ChannelPolicyService(ServiceContext ctx)
{
    public const int MaxText = 20_000;

    public const int MaxNote = 500;

    public async Task<IReadOnlyList<ChannelPolicySummary>> ListAsync(Guid channelId, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsRead);
        await ChannelAsync(channelId, ct);
        return await SummariesAsync(ctx.Db.ChannelPolicies.AsNoTracking().Where(p => p.ChannelId == channelId), ct);
    }

    /// <summary>A version, or the current one when <paramref name="version"/> is null (404 when there is none).</summary>
    public async Task<ChannelPolicyView> GetAsync(Guid channelId, int? version, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsRead);
        await ChannelAsync(channelId, ct);
        var languages = await ctx.Db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
        return await ViewAsync(ctx.Db.ChannelPolicies.AsNoTracking().Where(p => p.ChannelId == channelId), version, languages, ct)
            ?? throw new NotFoundException("policy", version?.ToString(CultureInfo.InvariantCulture) ?? "current");
    }

    /// <summary>Publishes the next version of the channel's policy.</summary>
    public async Task<ChannelPolicyView> PublishAsync(Guid channelId, ChannelPolicyInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsWrite);
        var channel = await ChannelAsync(channelId, ct);
        var languages = await ctx.Db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
        var v = new Validation();
        var given = input.Texts ?? new Dictionary<string, string?>();
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        var tooLong = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (language, text) in given)
        {
            var tag = Rules.NormalizeLanguageTag(language);
            if (!languages.Contains(tag, StringComparer.Ordinal))
            {
                v.Add("texts." + language, "The organization does not publish in this language.");
            }
            else if (text is { Length: > MaxText })
            {
                v.Add("texts." + tag, "The text is longer than 20,000 characters.");
                tooLong.Add(tag);
            }
            else if (!string.IsNullOrWhiteSpace(text))
            {
                texts[tag] = text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
            }
        }

        foreach (var language in languages.Where(l => !texts.ContainsKey(l) && !tooLong.Contains(l)))
        {
            v.Add("texts." + language, "Write the policy in every language of the organization.");
        }

        var note = Rules.Clean(input.Note);
        v.When(note is { Length: > MaxNote }, "note", "The note is longer than 500 characters.");
        v.ThrowIfInvalid();

        // The next number; two staff publishing at once: the unique (channel, version) index lets one win, the other
        // takes the number after it.
        for (var attempt = 1; ; attempt++)
        {
            var version = (await ctx.Db.ChannelPolicies.Where(p => p.ChannelId == channelId).MaxAsync(p => (int?)p.Version, ct) ?? 0) + 1;
            var policy = new ChannelPolicy
            {
                Id = Guid.NewGuid(),
                ChannelId = channelId,
                Version = version,
                PublishedAt = ctx.Now,
                PublishedBy = ctx.Actor.Name,
                Note = string.IsNullOrEmpty(note) ? null : note,
            };
            policy.Texts.AddRange(languages.Select(l => new ChannelPolicyText { PolicyId = policy.Id, Language = l, Markdown = texts[l] }));
            ctx.Db.ChannelPolicies.Add(policy);
            ctx.Audit.Record("policy.published", "channel", channelId.ToString(),
                $"{channel.Name}: policy version {version} ({string.Join(", ", languages)}){(policy.Note is null ? string.Empty : ": " + policy.Note)}");
            try
            {
                await ctx.Db.SaveChangesAsync(ct);
                return new ChannelPolicyView(channelId, version, policy.PublishedAt, policy.PublishedBy, policy.Note, true, languages.ToDictionary(l => l, l => texts[l], StringComparer.Ordinal));
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                ctx.Db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>The version a consent given now records on the channel: the latest published policy's number, else the
    /// channel's <c>policyVersion</c> setting, else null. Reads the channel's organization's rows only (any tenant).</summary>
    public static async Task<string?> VersionInForceAsync(PiazzaDb db, Guid channelId, CancellationToken ct)
    {
        var latest = await db.ChannelPolicies.IgnoreQueryFilters().Where(p => p.ChannelId == channelId).MaxAsync(p => (int?)p.Version, ct);
        if (latest is { } number)
        {
            return number.ToString(CultureInfo.InvariantCulture);
        }

        var settings = await db.Channels.IgnoreQueryFilters().Where(c => c.Id == channelId).Select(c => c.SettingsJson).FirstOrDefaultAsync(ct);
        return settings is null ? null
            : (JsonSerializer.Deserialize<Dictionary<string, string>>(settings) ?? []).GetValueOrDefault(InboundSettings.PolicyVersion) is { Length: > 0 } v ? v.Trim()
            : null;
    }

    /// <summary>Whether <paramref name="version"/> (as a consent recorded it) names a published version of the channel.</summary>
    public static int? PublishedNumber(string? version) =>
        int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;

    /// <summary>For the public pages (nobody signed in): a channel's policy, the version asked for or the current one, with
    /// the list of versions; null when the channel is not the organization's or has no such version.</summary>
    public static async Task<PublicChannelPolicy?> PublicAsync(PiazzaDb db, Guid organizationId, Guid channelId, int? version, CancellationToken ct)
    {
        var channel = await db.Channels.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.Id == channelId && c.OrganizationId == organizationId).Select(c => new { c.Name, c.Kind }).FirstOrDefaultAsync(ct);
        if (channel is null)
        {
            return null;
        }

        var languages = await db.OrganizationLanguages.IgnoreQueryFilters().Where(l => l.OrganizationId == organizationId)
            .OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
        var policies = db.ChannelPolicies.IgnoreQueryFilters().AsNoTracking().Where(p => p.ChannelId == channelId && p.OrganizationId == organizationId);
        var view = await ViewAsync(policies, version, languages, ct);
        return view is null ? null : new PublicChannelPolicy(channelId, channel.Name, channel.Kind, view, await SummariesAsync(policies, ct));
    }

    /// <summary>For the public pages: the channels of the organization that have a published policy, with their current version.</summary>
    public static async Task<IReadOnlyDictionary<Guid, int>> PublishedChannelsAsync(PiazzaDb db, Guid organizationId, CancellationToken ct) =>
        await db.ChannelPolicies.IgnoreQueryFilters().Where(p => p.OrganizationId == organizationId)
            .GroupBy(p => p.ChannelId).Select(g => new { g.Key, Version = g.Max(p => p.Version) })
            .ToDictionaryAsync(g => g.Key, g => g.Version, ct);

    private static async Task<IReadOnlyList<ChannelPolicySummary>> SummariesAsync(IQueryable<ChannelPolicy> policies, CancellationToken ct)
    {
        var rows = await policies.Include(p => p.Texts).OrderByDescending(p => p.Version).ToListAsync(ct);
        return rows.Select(p => new ChannelPolicySummary(p.Version, p.PublishedAt, p.PublishedBy, p.Note, p.Texts.Select(t => t.Language).Order(StringComparer.Ordinal).ToList())).ToList();
    }

    private static async Task<ChannelPolicyView?> ViewAsync(IQueryable<ChannelPolicy> policies, int? version, List<string> languages, CancellationToken ct)
    {
        var latest = await policies.MaxAsync(p => (int?)p.Version, ct);
        var wanted = version ?? latest;
        if (wanted is null)
        {
            return null;
        }

        var policy = await policies.Include(p => p.Texts).FirstOrDefaultAsync(p => p.Version == wanted, ct);
        if (policy is null)
        {
            return null;
        }

        // The organization's languages first, in its order; a language it no longer has, after.
        var texts = policy.Texts.OrderBy(t => languages.IndexOf(t.Language) is var i and >= 0 ? i : int.MaxValue).ThenBy(t => t.Language, StringComparer.Ordinal)
            .ToDictionary(t => t.Language, t => t.Markdown, StringComparer.Ordinal);
        return new ChannelPolicyView(policy.ChannelId, policy.Version, policy.PublishedAt, policy.PublishedBy, policy.Note, policy.Version == latest, texts);
    }

    private async Task<Channels.Channel> ChannelAsync(Guid channelId, CancellationToken ct) =>
        await ctx.Db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, ct) ?? throw new NotFoundException("channel", channelId.ToString());
}
