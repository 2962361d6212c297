using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Piazza.Campaigns;
using Piazza.Data;

namespace Piazza.Channels;

/// <summary>How to join one channel, in one language, as the subscribe page and a flyer show it.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="Kind">Its platform.</param>
/// <param name="Name">Its name.</param>
/// <param name="Language">The language of the keyword and the link.</param>
/// <param name="Join">What to save, send or scan (see <see cref="ChannelJoin"/>).</param>
/// <param name="CampaignScene">The flyer campaign the link carries, or null.</param>
/// <param name="CampaignName">That campaign's name, or null.</param>
public sealed record ChannelJoinView(Guid ChannelId, ChannelKind Kind, string Name, string Language, ChannelJoin Join, string? CampaignScene = null, string? CampaignName = null);

/// <summary>
/// The join information of an organization's channels: each platform's piece (<see cref="ChannelDefinition.Join"/>, in its
/// folder of Piazza.Channels) given the channel's settings, the language, and the flyer campaign (a WeChat account's link is
/// the QR code of its campaign <see cref="FlyerCampaign.WebsiteScene"/> unless a campaign is named). It reads only
/// Piazza's database: a public page never calls a platform. The public pages call it for the organization of the address
/// (no one is signed in), so it names the organization itself instead of relying on the tenant filter.
/// </summary>
public sealed class ChannelJoinService(ChannelCatalog catalog)
{
    /// <summary>Every enabled channel of the organization that people can join, with something to show (a link or what to
    /// search for), by platform then name.</summary>
    public async Task<IReadOnlyList<ChannelJoinView>> ListAsync(PiazzaDb db, Guid organizationId, string language, CancellationToken ct)
    {
        var channels = await db.Channels.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.OrganizationId == organizationId && c.IsEnabled)
            .OrderBy(c => c.Kind).ThenBy(c => c.Name).ToListAsync(ct);
        var languages = await LanguagesAsync(db, organizationId, ct);
        var websites = await db.FlyerCampaigns.IgnoreQueryFilters().AsNoTracking()
            .Where(f => f.OrganizationId == organizationId && f.Scene == FlyerCampaign.WebsiteScene)
            .ToDictionaryAsync(f => f.ChannelId, ct);
        var result = new List<ChannelJoinView>();
        foreach (var channel in channels)
        {
            var settings = SettingsOf(channel);
            if (Join(channel.Kind, settings, language, languages, null, websites.GetValueOrDefault(channel.Id)) is { } join
                && (join.Link is not null || join.Handle is not null))
            {
                result.Add(new ChannelJoinView(channel.Id, channel.Kind, channel.Name, language, join));
            }
        }

        return result;
    }

    /// <summary>One enabled channel of the organization, for its own flyer or the flyer of its campaign
    /// <paramref name="scene"/>; null when there is no such channel or campaign, or nobody joins that platform.</summary>
    public async Task<ChannelJoinView?> GetAsync(PiazzaDb db, Guid organizationId, Guid channelId, string language, string? scene, CancellationToken ct)
    {
        var channel = await db.Channels.IgnoreQueryFilters().AsNoTracking()
            .FirstOrDefaultAsync(c => c.Id == channelId && c.OrganizationId == organizationId && c.IsEnabled, ct);
        if (channel is null)
        {
            return null;
        }

        var wanted = scene ?? FlyerCampaign.WebsiteScene;
        var campaign = await db.FlyerCampaigns.IgnoreQueryFilters().AsNoTracking()
            .FirstOrDefaultAsync(f => f.ChannelId == channelId && f.OrganizationId == organizationId && f.Scene == wanted, ct);
        if (scene is not null && campaign is null)
        {
            return null;
        }

        var languages = await LanguagesAsync(db, organizationId, ct);
        var join = Join(channel.Kind, SettingsOf(channel), language, languages, scene is null ? null : campaign, scene is null ? campaign : null);
        return join is null ? null : new ChannelJoinView(channel.Id, channel.Kind, channel.Name, language, join, scene is null ? null : campaign!.Scene, scene is null ? null : campaign!.Name);
    }

    /// <summary>How to join a channel of <paramref name="kind"/> with these settings: from a flyer campaign when one is
    /// given (with its topic), else as the public pages show it (a WeChat account: the QR code of its website campaign,
    /// when it has one). Null for a platform nobody joins.</summary>
    public ChannelJoin? Join(
        ChannelKind kind, IReadOnlyDictionary<string, string> settings, string language, IReadOnlyList<string> organizationLanguages,
        FlyerCampaign? campaign, FlyerCampaign? website = null) =>
        catalog.Find(kind)?.Join is { } join
            ? join(new JoinRequest(settings, language, organizationLanguages, campaign?.TopicKey, campaign?.Scene, (campaign ?? website)?.JoinUrl))
            : null;

    /// <summary>A channel's settings.</summary>
    public static IReadOnlyDictionary<string, string> SettingsOf(Channel channel) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(channel.SettingsJson) ?? [];

    private static Task<List<string>> LanguagesAsync(PiazzaDb db, Guid organizationId, CancellationToken ct) =>
        db.OrganizationLanguages.IgnoreQueryFilters().Where(l => l.OrganizationId == organizationId).OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
}
