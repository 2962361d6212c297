using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Piazza.Channels;
using Piazza.Data;

namespace Piazza.Policies;

/// <summary>This server's own address, when a link must be written outside a request (the subscription's confirmation):
/// the host gives it (the setting <c>Sandbox:BaseUrl</c>, else the address it listens on).</summary>
public interface IServerAddress
{
    /// <summary>The server's base address, or null while it is not known.</summary>
    Uri? BaseAddress { get; }
}

/// <summary>
/// The addresses of a channel's public policy pages, <c>/{organization}/{language}/channels/{channelId}/policy[/{version}]</c>:
/// relative for the site's own pages, absolute (the website channel's <c>publicBaseUrl</c>, else this server's address)
/// for the confirmation a citizen gets on their phone.
/// </summary>
public sealed class PolicyLinks(IServerAddress? server = null)
{
    /// <summary>The page of a channel's policy: the current version, or <paramref name="version"/>.</summary>
    public static string Path(string organizationSlug, string language, Guid channelId, int? version = null) =>
        $"/{organizationSlug}/{language}/channels/{channelId:D}/policy" + (version is { } v ? "/" + v.ToString(CultureInfo.InvariantCulture) : string.Empty);

    /// <summary>The absolute address of version <paramref name="version"/> of the channel's policy in <paramref name="language"/>
    /// (the organization's first language when it does not publish in that one); null when no address of the site is known.</summary>
    public async Task<string?> AbsoluteAsync(PiazzaDb db, Guid organizationId, Guid channelId, int version, string language, CancellationToken ct)
    {
        var org = await db.Organizations.IgnoreQueryFilters().AsNoTracking().Where(o => o.Id == organizationId)
            .Select(o => new { o.Slug, Languages = o.Languages.OrderBy(l => l.Position).Select(l => l.Tag).ToList() }).FirstOrDefaultAsync(ct);
        if (org is null)
        {
            return null;
        }

        var baseUrl = await PublicBaseUrlAsync(db, organizationId, ct) ?? server?.BaseAddress?.ToString().TrimEnd('/');
        if (baseUrl is null)
        {
            return null;
        }

        var lang = org.Languages.Contains(language, StringComparer.Ordinal) ? language : org.Languages.FirstOrDefault() ?? language;
        return baseUrl + Path(org.Slug, lang, channelId, version);
    }

    /// <summary>The public address the office set on one of the organization's website channels (<c>publicBaseUrl</c>,
    /// without a final "/"), or null.</summary>
    public static async Task<string?> PublicBaseUrlAsync(PiazzaDb db, Guid organizationId, CancellationToken ct)
    {
        var settings = await db.Channels.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.OrganizationId == organizationId && c.Kind == ChannelKind.Web && c.IsEnabled)
            .OrderBy(c => c.CreatedAt).Select(c => c.SettingsJson).ToListAsync(ct);
        foreach (var json in settings)
        {
            if (JsonSerializer.Deserialize<Dictionary<string, string>>(json)?.GetValueOrDefault("publicBaseUrl") is { Length: > 0 } url
                && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            {
                return url.TrimEnd('/');
            }
        }

        return null;
    }
}
