using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Piazza.Channels;
using Piazza.Data;
using Piazza.Posts;

namespace Piazza.Broadcast;

/// <summary>A channel as the dispatcher sees it: account (with decrypted secrets), platform, policy and rate.</summary>
/// <param name="Account">Settings and secrets for the adapter.</param>
/// <param name="Definition">The platform's definition (format, defaults).</param>
/// <param name="Policy">The sending policy of this channel.</param>
/// <param name="Rate">Messages a second.</param>
/// <param name="WholeChannel">True when one post reaches the whole channel.</param>
/// <param name="PostLanguages">For whole-channel posts: the languages each post carries, in order (empty: the delivery's own).</param>
/// <param name="Enabled">False pauses the channel.</param>
/// <param name="Groups">For platforms that post once per group of followers: the groups (see <see cref="ChannelDefinition.AudienceGroups"/>).</param>
public sealed record ChannelSnapshot(
    ChannelAccount Account, ChannelDefinition? Definition, EffectivePolicy Policy, int Rate, bool WholeChannel, IReadOnlyList<string> PostLanguages, bool Enabled,
    IReadOnlyList<string>? Groups = null);

/// <summary>A bulletin as the dispatcher needs it.</summary>
/// <param name="PostId">The bulletin.</param>
/// <param name="TopicKey">Its topic's key.</param>
/// <param name="Texts">Its text per language.</param>
/// <param name="Cancelled">True once it is cancelled: queued messages are not sent.</param>
/// <param name="ToEveryone">True when it is for every subscriber, not only its topic's followers.</param>
public sealed record BulletinTexts(Guid PostId, string TopicKey, IReadOnlyDictionary<string, BulletinText> Texts, bool Cancelled, bool ToEveryone = false);

/// <summary>Reads channels and bulletins for the engine, across organizations (the engine has no tenant).</summary>
public sealed class EngineData(ChannelCatalog catalog, IDataProtectionProvider protection)
{
    private readonly IDataProtector _secrets = protection.CreateProtector(ChannelService.SecretsPurpose);
    private readonly ConcurrentDictionary<Guid, (BulletinTexts Texts, DateTime LoadedAt)> _bulletins = new();

    public async Task<ChannelSnapshot?> LoadChannelAsync(PiazzaDb db, Guid channelId, CancellationToken ct)
    {
        var channel = await db.Channels.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return null;
        }

        var zone = await db.Organizations.IgnoreQueryFilters().Where(o => o.Id == channel.OrganizationId).Select(o => o.TimeZone).FirstAsync(ct);
        var policy = await db.SendingPolicies.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(p => p.OrganizationId == channel.OrganizationId, ct);
        var settings = JsonSerializer.Deserialize<Dictionary<string, string>>(channel.SettingsJson) ?? [];
        var secrets = channel.ProtectedSecrets is null ? [] : JsonSerializer.Deserialize<Dictionary<string, string>>(_secrets.Unprotect(channel.ProtectedSecrets)) ?? [];
        var definition = catalog.Find(channel.Kind);
        var account = new ChannelAccount(channel.Id, channel.OrganizationId, channel.Kind, channel.Name, channel.IsSandbox, settings, secrets);
        var languages = settings.TryGetValue(BroadcastSettings.Languages, out var l) && !string.IsNullOrWhiteSpace(l)
            ? l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        IReadOnlyList<string>? groups = null;
        if (definition?.AudienceGroups is { } audienceGroups)
        {
            var orgLanguages = await db.OrganizationLanguages.IgnoreQueryFilters().Where(o => o.OrganizationId == channel.OrganizationId)
                .OrderBy(o => o.Position).Select(o => o.Tag).ToListAsync(ct);
            groups = audienceGroups(settings, orgLanguages);
        }

        return new ChannelSnapshot(
            account, definition, SendingPolicyService.Resolve(policy, zone, settings), SendingPolicyService.RateOf(definition, settings),
            definition?.SendsToWholeChannel(settings) ?? false, languages, channel.IsEnabled, groups);
    }

    /// <summary>A bulletin's texts, cached for a minute (a broadcast reads the same bulletin for every delivery).</summary>
    public async Task<BulletinTexts?> BulletinAsync(PiazzaDb db, Guid postId, DateTime now, CancellationToken ct)
    {
        if (_bulletins.TryGetValue(postId, out var cached) && now - cached.LoadedAt < TimeSpan.FromMinutes(1))
        {
            return cached.Texts;
        }

        var post = await db.Posts.IgnoreQueryFilters().AsNoTracking().Include(p => p.Bodies).FirstOrDefaultAsync(p => p.Id == postId, ct);
        if (post is null)
        {
            return null;
        }

        var topic = await db.Topics.IgnoreQueryFilters().Where(t => t.Id == post.TopicId).Select(t => t.Key).FirstAsync(ct);
        var texts = new BulletinTexts(
            post.Id, topic, post.Bodies.ToDictionary(b => b.Language, b => new BulletinText(b.Language, b.Title, b.Markdown), StringComparer.Ordinal),
            post.State == PostState.Cancelled, post.Audience == PostAudience.Everyone);
        _bulletins[postId] = (texts, now);
        foreach (var old in _bulletins.Where(b => now - b.Value.LoadedAt > TimeSpan.FromMinutes(10)).Select(b => b.Key).ToList())
        {
            _bulletins.TryRemove(old, out _);
        }

        return texts;
    }

    /// <summary>Forgets a bulletin (it was cancelled or edited).</summary>
    public void Forget(Guid postId) => _bulletins.TryRemove(postId, out _);
}
