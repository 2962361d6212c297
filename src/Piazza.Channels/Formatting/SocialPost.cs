using System.Text;
using System.Text.RegularExpressions;

namespace Piazza.Channels.Formatting;

/// <summary>The text of a whole-channel social post (Facebook page, X, Mastodon): the bulletin's texts in the channel's
/// languages as one post, cut cleanly to the platform's limit. A bulletin "has a link" when its body contains an
/// http(s) link (Piazza has no public page per bulletin yet): the first one. A cut text ends with "…" and, when that
/// link fell in the part cut away, the link on its own line, so people can still read the rest.</summary>
public static partial class SocialPost
{
    private const char Ellipsis = '…';

    /// <summary>The post's text within <paramref name="limit"/> (as <paramref name="format"/> counts), and whether it was cut.</summary>
    public static (string Text, bool Cut) Compose(MessageFormat format, IReadOnlyList<BulletinText> texts, int limit)
    {
        var full = MessageFormatter.RenderMany(format, texts.Select(t => (t.Title, t.Markdown)).ToList(), limit).Text;
        return Fit(format, full, limit, LinkOf(texts));
    }

    /// <summary>The first http(s) link of the bulletin's bodies (in the channel's language order), or null.</summary>
    public static string? LinkOf(IReadOnlyList<BulletinText> texts)
    {
        foreach (var text in texts)
        {
            if (UrlPattern().Match(text.Markdown ?? string.Empty) is { Success: true } match)
            {
                return match.Value.TrimEnd('.', ',', ';', ':', '!', '?', ')', ']', '>', '*', '_', '"', '\'');
            }
        }

        return null;
    }

    /// <summary>Cuts <paramref name="text"/> to <paramref name="limit"/>: at the last space before the limit (or at a
    /// character for text without spaces, such as Chinese), never inside a link, then "…" and the link if it was cut away.</summary>
    public static (string Text, bool Cut) Fit(MessageFormat format, string text, int limit, string? link)
    {
        if (MessageFormatter.Length(format, text) <= limit)
        {
            return (text, false);
        }

        // Longest prefix (in UTF-16 units, on a code point boundary) whose cut form fits.
        int lo = 0, hi = text.Length;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (MessageFormatter.Length(format, Ending(text, mid, link)) <= limit)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        var end = CleanEnd(text, lo);
        var result = Ending(text, end, link);
        return MessageFormatter.Length(format, result) <= limit ? (result, true) : (Ending(text, Boundary(text, lo), link), true);
    }

    private static string Ending(string text, int end, string? link)
    {
        end = Boundary(text, end);
        var kept = text[..end].TrimEnd();
        var builder = new StringBuilder(kept).Append(Ellipsis);
        if (link is not null && !kept.Contains(link, StringComparison.Ordinal))
        {
            builder.Append('\n').Append(link);
        }

        return builder.ToString();
    }

    /// <summary>Moves a cut point left to a space when there is one in the last 40 characters, and out of any link it falls in.</summary>
    private static int CleanEnd(string text, int end)
    {
        end = Boundary(text, end);
        foreach (Match url in UrlPattern().Matches(text))
        {
            if (url.Index < end && end < url.Index + url.Length)
            {
                end = url.Index;
            }
        }

        if (end < text.Length && !char.IsWhiteSpace(text[end]))
        {
            var space = text.LastIndexOfAny([' ', '\n', '\t'], Math.Max(0, end - 1));
            if (space > 0 && end - space <= 40)
            {
                end = space;
            }
        }

        return end;
    }

    private static int Boundary(string text, int end) =>
        end > 0 && end < text.Length && char.IsLowSurrogate(text[end]) && char.IsHighSurrogate(text[end - 1]) ? end - 1 : end;

    [GeneratedRegex(@"https?://[^\s<>""]+", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();
}
