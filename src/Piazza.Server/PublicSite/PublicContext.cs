using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Piazza.Channels.Formatting;
using Piazza.PublicSite;

namespace Piazza.Server.PublicSite;

/// <summary>What every public page knows: the organization, the page's language and words, its topics, and how to
/// write the addresses of its pages (the same page in another language for the language switcher).</summary>
/// <param name="Organization">The organization whose site it is.</param>
/// <param name="Language">The page's language (one of the organization's).</param>
/// <param name="Path">The page's address after the language ("" for the home, "/archive"…), for the language switcher.</param>
/// <param name="Topics">The organization's topics.</param>
/// <param name="BaseUrl">The site's absolute address ("https://notizie.comune.prato.it"), for feeds and links shared elsewhere.</param>
/// <param name="Now">The time of the request (UTC).</param>
/// <param name="PinnedFor">How long an emergency without an end stays pinned.</param>
public sealed partial record PublicContext(
    PublicOrganization Organization, string Language, string Path, IReadOnlyList<PublicTopic> Topics, string BaseUrl, DateTime Now, TimeSpan PinnedFor)
{
    /// <summary>The site's own words in the page's language.</summary>
    public PublicText T { get; } = PublicText.For(Language);

    private readonly TimeZoneInfo _zone = ZoneOf(Organization.TimeZone);

    /// <summary>An address of the site in the page's language: <c>/prato/it</c> + <paramref name="rest"/>.</summary>
    public string Url(string rest = "") => $"/{Organization.Slug}/{Language}{rest}";

    /// <summary>This page in another language.</summary>
    public string UrlIn(string language) => $"/{Organization.Slug}/{language}{Path}";

    /// <summary>An absolute address (for feeds and links read outside the site).</summary>
    public string Absolute(string path) => BaseUrl + path;

    public string BulletinUrl(Guid id, string? language = null) => $"/{Organization.Slug}/{language ?? Language}/bulletins/{id:D}";

    public string TopicUrl(PublicTopic topic) => Url("/topics/" + topic.Key);

    public PublicTopic? Topic(Guid id) => Topics.FirstOrDefault(t => t.Id == id);

    public string TopicName(PublicTopic topic) => topic.NameIn(Language, Organization.Languages);

    /// <summary>A date and time in the organization's time zone, written as the page's language writes it.</summary>
    public string When(DateTime utc)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), _zone);
        return local.ToString("D", T.Culture) + " " + local.ToString("t", T.Culture);
    }

    /// <summary>The ISO 8601 form of a time, for <c>&lt;time datetime&gt;</c>.</summary>
    public static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>A bulletin's body as safe HTML (no HTML from the Markdown, only web, mail and telephone links).</summary>
    public static string Html(PublicBody body) => MessageFormatter.ToHtml(body.Markdown);

    /// <summary>The first words of a bulletin as plain text, for lists and feeds (at most about <paramref name="max"/>
    /// characters, cut at a word): its web rendering without the markup, links by their text.</summary>
    public static string Excerpt(PublicBody body, int max = 220)
    {
        var html = MessageFormatter.ToHtml(body.Markdown);
        var text = WebUtility.HtmlDecode(TagRegex().Replace(BlockRegex().Replace(html, " "), string.Empty));
        text = SpaceRegex().Replace(text, " ").Trim();
        if (text.Length <= max)
        {
            return text;
        }

        var cut = text.LastIndexOf(' ', max);
        return text[..(cut > max / 2 ? cut : max)].TrimEnd(',', ';', ':', '.', ' ') + "…";
    }

    [GeneratedRegex("</?(p|li|ul|ol|h[1-6]|br|hr|blockquote|pre|div|table|tr|td|th)\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockRegex();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex TagRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpaceRegex();

    private static TimeZoneInfo ZoneOf(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc;
        }
    }
}
