using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Piazza.Channels.Formatting;

/// <summary>A bulletin rendered for one platform: the text to send, its length as that platform counts it, and
/// the platform's limit.</summary>
/// <param name="Text">The text to send, in the platform's own markup (WhatsApp markers, Telegram HTML, plain text or web HTML).</param>
/// <param name="Length">The length of <paramref name="Text"/> as the platform counts it (code points, visible text for
/// Telegram, weighted for X, links counted 23 on X and Mastodon).</param>
/// <param name="Limit">The most the platform accepts, or null when it has no limit.</param>
public sealed record RenderedMessage(string Text, int Length, int? Limit)
{
    /// <summary>Whether the text is longer than the platform accepts.</summary>
    public bool TooLong => Limit is { } l && Length > l;

    /// <summary>How many characters (as the platform counts them) must go for the text to fit; 0 when it fits.</summary>
    public int Overflow => Limit is { } l ? Math.Max(0, Length - l) : 0;
}

/// <summary>Turns a bulletin (a plain title and a Markdown body written by staff) into the text each platform shows,
/// measures it as the platform does, and previews it safely as HTML for the staff console.</summary>
public static partial class MessageFormatter
{
    /// <summary>The length X and Mastodon give every http(s) link, whatever its real length.</summary>
    private const int LinkLength = 23;

    /// <summary>How deeply blocks and inlines may nest before a body is shown as plain text.</summary>
    private const int MaxDepth = 64;

    private const string Separator = "—";
    private const string ThematicBreak = "———";

    private static readonly SearchValues<char> NotInUrl = SearchValues.Create(" \t\n\r");

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseEmphasisExtras().DisableHtml().Build();

    private enum Style
    {
        Bold = 0,
        Italic = 1,
        Strike = 2,
    }

    /// <summary>The length limit a format has by default, or null when it has none: WhatsApp 4096, Telegram 4096 (on the
    /// visible text), plain text 600 (what a WeChat mass-send text allows), X 280 (weighted), Mastodon 500, web none.</summary>
    public static int? DefaultLimit(MessageFormat format) => format switch
    {
        MessageFormat.PlainText => 600,
        MessageFormat.WhatsApp => 4096,
        MessageFormat.TelegramHtml => 4096,
        MessageFormat.XPost => 280,
        MessageFormat.MastodonStatus => 500,
        MessageFormat.Web => null,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown message format."),
    };

    /// <summary>Renders a title and a Markdown body for a format, and measures the result. A given
    /// <paramref name="limit"/> replaces the format's default (e.g. a Mastodon instance that allows 1000).</summary>
    public static RenderedMessage Render(MessageFormat format, string title, string markdown, int? limit = null)
    {
        var text = RenderText(format, title, markdown);
        return new RenderedMessage(text, Measure(format, text), limit ?? DefaultLimit(format));
    }

    /// <summary>Renders several parts (e.g. the same bulletin in Chinese then in Italian) as one post: each part as
    /// <see cref="Render"/> does, separated by a blank line, a line "—" and a blank line; the length is the whole's.</summary>
    public static RenderedMessage RenderMany(MessageFormat format, IReadOnlyList<(string Title, string Markdown)> parts, int? limit = null)
    {
        var text = RenderManyText(format, parts);
        return new RenderedMessage(text, Measure(format, text), limit ?? DefaultLimit(format));
    }

    /// <summary>Safe HTML showing what a citizen's app displays for the bulletin in that format, for the staff
    /// console's live preview. Every character the staff wrote is HTML-escaped; no HTML from the Markdown passes through.</summary>
    public static string PreviewHtml(MessageFormat format, string title, string markdown) =>
        Preview(format, RenderText(format, title, markdown));

    /// <summary>Like <see cref="PreviewHtml"/>, for a post of several parts as <see cref="RenderMany"/> renders it.</summary>
    public static string PreviewHtmlMany(MessageFormat format, IReadOnlyList<(string Title, string Markdown)> parts) =>
        Preview(format, RenderManyText(format, parts));

    /// <summary>The Markdown body as web HTML: raw HTML in the Markdown is shown as text, and only http, https,
    /// mailto and tel links are kept (any other link is reduced to its text, any other image to its alt text).</summary>
    public static string ToHtml(string markdown)
    {
        var document = Parse(markdown);
        foreach (var image in document.Descendants<LinkInline>().Where(l => l.IsImage && !IsWebUrl(l.Url)).ToList())
        {
            image.ReplaceBy(new LiteralInline(PlainOf(image)), copyChildren: false);
        }

        foreach (var link in document.Descendants<LinkInline>().Where(l => !l.IsImage && !IsSafeUrl(l.Url)).ToList())
        {
            var child = link.FirstChild;
            while (child is not null)
            {
                var next = child.NextSibling;
                child.Remove();
                link.InsertBefore(child);
                child = next;
            }

            link.Remove();
        }

        foreach (var autolink in document.Descendants<AutolinkInline>().Where(a => !a.IsEmail && !IsSafeUrl(a.Url)).ToList())
        {
            autolink.ReplaceBy(new LiteralInline(autolink.Url));
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString().ReplaceLineEndings("\n").TrimEnd();
    }

    /// <summary>The length of a text as X counts it: code points (a surrogate pair is one) weigh 1 in the ranges X
    /// weighs 1 (U+0000–U+10FF, and the General Punctuation spaces, dashes, quotes and primes) and 2 elsewhere
    /// (Chinese, Japanese, Korean, emoji…); every http(s) link counts 23 whatever its length.</summary>
    public static int XWeightedLength(string text)
    {
        text = Nfc(text ?? string.Empty);
        var total = 0;
        var position = 0;
        foreach (var (start, length) in FindUrls(text))
        {
            total += Weighted(text.AsSpan(position, start - position)) + LinkLength;
            position = start + length;
        }

        return total + Weighted(text.AsSpan(position));
    }

    private static string RenderText(MessageFormat format, string title, string markdown)
    {
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown message format.");
        }

        var heading = NormalizeTitle(title);
        if (format == MessageFormat.Web)
        {
            var body = ToHtml(markdown);
            var html = heading.Length == 0 ? body : "<h1>" + HtmlEscape(heading) + "</h1>" + (body.Length == 0 ? string.Empty : "\n" + body);
            return html.TrimEnd();
        }

        var writer = new ChatWriter(format);
        var titleLine = heading.Length == 0 ? string.Empty : format switch
        {
            MessageFormat.WhatsApp => "*" + heading + "*",
            MessageFormat.TelegramHtml => "<b>" + TelegramEscape(heading) + "</b>",
            _ => heading,
        };
        var text = writer.Document(Parse(markdown));
        var joined = titleLine.Length == 0 ? text : text.Length == 0 ? titleLine : titleLine + "\n\n" + text;
        return joined.ReplaceLineEndings("\n").TrimEnd();
    }

    /// <summary>Parses a body. One nested deeper than any real bulletin (dozens of "&gt;", list markers or
    /// emphasis delimiters, which would exhaust the stack of a renderer) is kept as a single paragraph of plain text.</summary>
    private static MarkdownDocument Parse(string? markdown)
    {
        var text = NormalizeLines(markdown);
        try
        {
            var document = Markdown.Parse(text, Pipeline);
            if (!TooDeep(document))
            {
                return document;
            }
        }
        catch (ArgumentException)
        {
            // Markdig's own nesting limit: handled below like any too deep body.
        }

        var plain = new MarkdownDocument();
        plain.Add(new ParagraphBlock { Inline = new ContainerInline().AppendChild(new LiteralInline(text.Trim())) });
        return plain;
    }

    private static bool TooDeep(MarkdownDocument document)
    {
        var pending = new Stack<(MarkdownObject Node, int Depth)>();
        pending.Push((document, 0));
        while (pending.TryPop(out var entry))
        {
            if (entry.Depth > MaxDepth)
            {
                return true;
            }

            switch (entry.Node)
            {
                case ContainerBlock container:
                    foreach (var block in container)
                    {
                        pending.Push((block, entry.Depth + 1));
                    }

                    break;
                case LeafBlock { Inline: { } inline }:
                    pending.Push((inline, entry.Depth + 1));
                    break;
                case ContainerInline container:
                    foreach (var inline in container)
                    {
                        pending.Push((inline, entry.Depth + 1));
                    }

                    break;
                default:
                    break;
            }
        }

        return false;
    }

    private static string RenderManyText(MessageFormat format, IReadOnlyList<(string Title, string Markdown)> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var separator = format == MessageFormat.Web ? "\n<p>" + Separator + "</p>\n" : "\n\n" + Separator + "\n\n";
        var rendered = parts.Select(p => RenderText(format, p.Title, p.Markdown)).Where(t => t.Length > 0);
        return string.Join(separator, rendered);
    }

    /// <summary>The length of an already rendered text as the platform of <paramref name="format"/> counts it.</summary>
    public static int Length(MessageFormat format, string text) => Measure(format, text ?? string.Empty);

    private static int Measure(MessageFormat format, string text) => format switch
    {
        MessageFormat.XPost => XWeightedLength(text),
        MessageFormat.MastodonStatus => MastodonLength(text),
        MessageFormat.TelegramHtml => CodePoints(TelegramVisibleText(text)),
        _ => CodePoints(text),
    };

    private static int MastodonLength(string text)
    {
        var total = CodePoints(text);
        foreach (var (start, length) in FindUrls(text))
        {
            total += LinkLength - CodePoints(text.AsSpan(start, length));
        }

        return total;
    }

    /// <summary>What Telegram shows of a text in its HTML parse mode: without the tags, entities unescaped.</summary>
    private static string TelegramVisibleText(string html) =>
        TelegramEntity().Replace(TagPattern().Replace(html, string.Empty), m => m.Groups[1].Value switch
        {
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            _ => "&",
        });

    private static int CodePoints(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static int Weighted(ReadOnlySpan<char> text)
    {
        var total = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var v = rune.Value;
            var light = v <= 0x10FF || v is >= 0x2000 and <= 0x200D || v is >= 0x2010 and <= 0x201F || v is >= 0x2032 and <= 0x2037;
            total += light ? 1 : 2;
        }

        return total;
    }

    private static string Nfc(string text)
    {
        try
        {
            return text.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            // A lone surrogate cannot be normalized: count the text as it is.
            return text;
        }
    }

    /// <summary>The http(s) links of a plain text, as start and length; trailing punctuation and an unbalanced
    /// closing bracket (as in "sito (https://comune.prato.it)") are not part of a link.</summary>
    private static IEnumerable<(int Start, int Length)> FindUrls(string text)
    {
        foreach (Match match in UrlPattern().Matches(text))
        {
            var url = match.Value;
            var end = url.Length;
            while (end > 0)
            {
                var c = url[end - 1];
                if (".,;:!?'\"*_~".Contains(c, StringComparison.Ordinal))
                {
                    end--;
                }
                else if (c is ')' or ']' or '}' && Unbalanced(url.AsSpan(0, end), c))
                {
                    end--;
                }
                else
                {
                    break;
                }
            }

            if (end > "https://".Length - 1)
            {
                yield return (match.Index, end);
            }
        }
    }

    private static bool Unbalanced(ReadOnlySpan<char> url, char close)
    {
        var open = close switch
        {
            ')' => '(',
            ']' => '[',
            _ => '{',
        };
        return url.Count(close) > url.Count(open);
    }

    private static string Preview(MessageFormat format, string text) => format switch
    {
        MessageFormat.Web => text,
        MessageFormat.WhatsApp => WhatsAppToHtml(text),
        MessageFormat.TelegramHtml => LineBreaks(text
            .Replace("</blockquote>\n", "</blockquote>", StringComparison.Ordinal)
            .Replace("</pre>\n", "</pre>", StringComparison.Ordinal)),
        _ => LineBreaks(HtmlEscape(text)),
    };

    /// <summary>Shows WhatsApp's markup as WhatsApp does: ```monospace```, *bold*, _italic_, ~strike~.</summary>
    private static string WhatsAppToHtml(string text)
    {
        var html = new StringBuilder();
        var segments = text.Split("```");
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (i % 2 == 1 && i < segments.Length - 1)
            {
                if (segment.StartsWith('\n'))
                {
                    segment = segment[1..];
                }

                if (segment.EndsWith('\n'))
                {
                    segment = segment[..^1];
                }

                html.Append("<code>").Append(LineBreaks(HtmlEscape(segment))).Append("</code>");
            }
            else
            {
                var plain = i % 2 == 1 ? "```" + segment : segment;
                var styled = WhatsAppBold().Replace(HtmlEscape(plain), "<strong>$1</strong>");
                styled = WhatsAppItalic().Replace(styled, "<em>$1</em>");
                styled = WhatsAppStrike().Replace(styled, "<s>$1</s>");
                html.Append(LineBreaks(styled));
            }
        }

        return html.ToString();
    }

    private static string LineBreaks(string html) => html.Replace("\n", "<br>\n", StringComparison.Ordinal);

    private static string NormalizeLines(string? text) => (text ?? string.Empty).ReplaceLineEndings("\n");

    private static string NormalizeTitle(string? title) => WhiteSpaceRun().Replace(title ?? string.Empty, " ").Trim();

    /// <summary>Escapes text for HTML content and attribute values.</summary>
    private static string HtmlEscape(string text)
    {
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&':
                    sb.Append("&amp;");
                    break;
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case '"':
                    sb.Append("&quot;");
                    break;
                case '\'':
                    sb.Append("&#39;");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>Escapes text as Telegram's HTML parse mode requires: &amp;, &lt; and &gt;.</summary>
    private static string TelegramEscape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Escapes a Telegram attribute value: &amp;, &lt;, &gt; and &quot;.</summary>
    private static string TelegramAttribute(string text) => TelegramEscape(text).Replace("\"", "&quot;", StringComparison.Ordinal);

    private static string? SchemeOf(string? url)
    {
        var colon = url?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon > 0 ? url![..colon] : null;
    }

    /// <summary>Whether a link may be followed: http(s) with a host, mailto or tel.</summary>
    private static bool IsSafeUrl(string? url)
    {
        var scheme = SchemeOf(url);
        return IsWebUrl(url)
            || (string.Equals(scheme, "mailto", StringComparison.OrdinalIgnoreCase) && url!.Length > "mailto:".Length)
            || (string.Equals(scheme, "tel", StringComparison.OrdinalIgnoreCase) && url!.Length > "tel:".Length);
    }

    private static bool IsWebUrl(string? url)
    {
        var scheme = SchemeOf(url);
        if (!string.Equals(scheme, "http", StringComparison.OrdinalIgnoreCase) && !string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = url.AsSpan(scheme!.Length + 1);
        return rest.StartsWith("//", StringComparison.Ordinal) && rest.Length > 2 && !rest.ContainsAny(NotInUrl);
    }

    /// <summary>A link's address as shown to a reader: mailto: and tel: are dropped (apps recognise e-mail addresses
    /// and phone numbers by themselves), web addresses are kept whole.</summary>
    private static string ShownUrl(string url)
    {
        var scheme = SchemeOf(url);
        return string.Equals(scheme, "mailto", StringComparison.OrdinalIgnoreCase) || string.Equals(scheme, "tel", StringComparison.OrdinalIgnoreCase)
            ? url[(scheme!.Length + 1)..]
            : url;
    }

    /// <summary>The text of inlines without any markup (a link's label, an image's alt text).</summary>
    private static string PlainOf(ContainerInline container)
    {
        var sb = new StringBuilder();
        AppendPlain(container, sb);
        return sb.ToString();
    }

    private static void AppendPlain(Inline inline, StringBuilder sb)
    {
        switch (inline)
        {
            case LiteralInline literal:
                sb.Append(literal.Content.ToString());
                break;
            case HtmlEntityInline entity:
                sb.Append(entity.Transcoded.ToString());
                break;
            case CodeInline code:
                sb.Append(code.Content);
                break;
            case LineBreakInline:
                sb.Append(' ');
                break;
            case AutolinkInline autolink:
                sb.Append(autolink.Url);
                break;
            case HtmlInline html:
                sb.Append(html.Tag);
                break;
            case DelimiterInline delimiter:
                sb.Append(delimiter.ToLiteral());
                AppendPlainChildren(delimiter, sb);
                break;
            case ContainerInline container:
                AppendPlainChildren(container, sb);
                break;
            default:
                break;
        }
    }

    private static void AppendPlainChildren(ContainerInline container, StringBuilder sb)
    {
        foreach (var child in container)
        {
            AppendPlain(child, sb);
        }
    }

    [GeneratedRegex(@"https?://[^\s<>""\u3000-\u303F\uFF01-\uFF65]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"&(lt|gt|quot|amp);", RegexOptions.CultureInvariant)]
    private static partial Regex TelegramEntity();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpaceRun();

    [GeneratedRegex(@"(?<=^|[\s\p{P}\p{S}])\*([^\s*](?:[^\n*]*[^\s*])?)\*(?=$|[\s\p{P}\p{S}])", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex WhatsAppBold();

    [GeneratedRegex(@"(?<=^|[\s\p{P}\p{S}])_([^\s_](?:[^\n_]*[^\s_])?)_(?=$|[\s\p{P}\p{S}])", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex WhatsAppItalic();

    [GeneratedRegex(@"(?<=^|[\s\p{P}\p{S}])~([^\s~](?:[^\n~]*[^\s~])?)~(?=$|[\s\p{P}\p{S}])", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex WhatsAppStrike();

    /// <summary>Walks a Markdown document and writes it in a chat format: WhatsApp markup, Telegram HTML or plain text.</summary>
    private sealed class ChatWriter(MessageFormat format)
    {
        private readonly bool _telegram = format == MessageFormat.TelegramHtml;
        private readonly bool _whatsApp = format == MessageFormat.WhatsApp;
        private readonly int[] _depth = new int[3];
        private int _quoteDepth;

        public string Document(MarkdownDocument document) => Blocks(document, "\n\n");

        private string Blocks(ContainerBlock container, string separator)
        {
            var parts = new List<string>();
            foreach (var block in container)
            {
                var text = Block(block);
                if (text.Length > 0)
                {
                    parts.Add(text);
                }
            }

            return string.Join(separator, parts);
        }

        private string Block(Block block) => block switch
        {
            LinkReferenceDefinitionGroup or LinkReferenceDefinition => string.Empty,
            HeadingBlock heading => Styled(Style.Bold, () => Inlines(heading.Inline)),
            ParagraphBlock paragraph => Inlines(paragraph.Inline),
            ThematicBreakBlock => ThematicBreak,
            CodeBlock code => CodeBlock(code),
            HtmlBlock html => Text(html.Lines.ToString()),
            ListBlock list => List(list),
            QuoteBlock quote => Quote(quote),
            ContainerBlock container => Blocks(container, "\n\n"),
            LeafBlock leaf => leaf.Inline is { } inline ? Inlines(inline) : Text(leaf.Lines.ToString()),
            _ => string.Empty,
        };

        private string CodeBlock(CodeBlock code)
        {
            var content = code.Lines.ToString().ReplaceLineEndings("\n").TrimEnd();
            if (content.Length == 0)
            {
                return string.Empty;
            }

            return _telegram ? "<pre>" + TelegramEscape(content) + "</pre>"
                : _whatsApp ? "```\n" + content + "\n```"
                : content;
        }

        private string List(ListBlock list)
        {
            var number = list.IsOrdered && int.TryParse(list.OrderedStart, NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : 1;
            var items = new List<string>();
            foreach (var block in list)
            {
                if (block is not ListItemBlock item)
                {
                    continue;
                }

                var marker = list.IsOrdered ? number.ToString(CultureInfo.InvariantCulture) + ". " : "• ";
                number++;
                var content = Blocks(item, "\n");
                items.Add(content.Length == 0 ? marker.TrimEnd() : marker + PrefixLines(content, "  ", string.Empty, skipFirst: true));
            }

            return string.Join('\n', items);
        }

        private string Quote(QuoteBlock quote)
        {
            _quoteDepth++;
            string content;
            try
            {
                content = Blocks(quote, "\n\n");
            }
            finally
            {
                _quoteDepth--;
            }

            if (content.Length == 0)
            {
                return string.Empty;
            }

            // Telegram has <blockquote>, which cannot be nested: quotes within a quote get "> " like elsewhere.
            if (_telegram && _quoteDepth == 0)
            {
                return "<blockquote>" + content + "</blockquote>";
            }

            var mark = _telegram ? "&gt;" : ">";
            return PrefixLines(content, mark + " ", mark, skipFirst: false);
        }

        private static string PrefixLines(string text, string prefix, string emptyPrefix, bool skipFirst)
        {
            var lines = text.Split('\n');
            for (var i = skipFirst ? 1 : 0; i < lines.Length; i++)
            {
                lines[i] = lines[i].Length == 0 ? emptyPrefix : prefix + lines[i];
            }

            return string.Join('\n', lines);
        }

        private string Inlines(ContainerInline? container)
        {
            if (container is null)
            {
                return string.Empty;
            }

            var sb = new StringBuilder();
            foreach (var inline in container)
            {
                Inline(inline, sb);
            }

            return sb.ToString();
        }

        private void Inline(Inline inline, StringBuilder sb)
        {
            switch (inline)
            {
                case LiteralInline literal:
                    sb.Append(Text(literal.Content.ToString()));
                    break;
                case HtmlEntityInline entity:
                    sb.Append(Text(entity.Transcoded.ToString()));
                    break;
                case CodeInline code:
                    sb.Append(InlineCode(code.Content));
                    break;
                case LineBreakInline lineBreak:
                    sb.Append(lineBreak.IsHard ? '\n' : ' ');
                    break;
                case AutolinkInline autolink:
                    sb.Append(Link(autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url, autolink.Url, Text(autolink.Url)));
                    break;
                case LinkInline { IsImage: true } image:
                    sb.Append(Image(image));
                    break;
                case LinkInline link:
                    sb.Append(Link(link.Url, PlainOf(link), Inlines(link)));
                    break;
                case EmphasisInline emphasis:
                    sb.Append(Emphasis(emphasis));
                    break;
                case HtmlInline html:
                    sb.Append(Text(html.Tag));
                    break;
                case DelimiterInline delimiter:
                    sb.Append(Text(delimiter.ToLiteral())).Append(Inlines(delimiter));
                    break;
                case ContainerInline container:
                    sb.Append(Inlines(container));
                    break;
                default:
                    break;
            }
        }

        private string Emphasis(EmphasisInline emphasis) => emphasis.DelimiterChar switch
        {
            '*' or '_' => Styled(emphasis.DelimiterCount >= 2 ? Style.Bold : Style.Italic, () => Inlines(emphasis)),
            '~' when emphasis.DelimiterCount >= 2 => Styled(Style.Strike, () => Inlines(emphasis)),

            // Subscript, superscript, inserted and marked text have no equivalent in chat apps: their text stays.
            _ => Inlines(emphasis),
        };

        private string InlineCode(string code)
        {
            if (code.Length == 0)
            {
                return string.Empty;
            }

            return _telegram ? "<code>" + TelegramEscape(code) + "</code>"
                : _whatsApp ? "```" + code + "```"
                : code;
        }

        private string Image(LinkInline image)
        {
            var alt = Text(PlainOf(image).Trim());
            if (!IsWebUrl(image.Url))
            {
                return alt;
            }

            var url = Text(image.Url!.Trim());
            return alt.Length == 0 ? url : alt + " (" + url + ")";
        }

        /// <summary>A link: an &lt;a&gt; in Telegram (web addresses only: Telegram mangles mailto: and tel:), elsewhere
        /// "text (address)", or the address alone when the text is the address. A link that may not be followed
        /// (javascript:, data:, relative) is its text only.</summary>
        private string Link(string? url, string plain, string rendered)
        {
            url = url?.Trim();
            if (url is null || !IsSafeUrl(url))
            {
                return rendered;
            }

            if (_telegram && IsWebUrl(url))
            {
                return "<a href=\"" + TelegramAttribute(url) + "\">" + (rendered.Length > 0 ? rendered : TelegramEscape(url)) + "</a>";
            }

            var shown = ShownUrl(url);
            plain = plain.Trim();
            if (plain.Length == 0 || string.Equals(plain, url, StringComparison.Ordinal) || string.Equals(plain, shown, StringComparison.Ordinal))
            {
                return Text(shown);
            }

            return rendered + " (" + Text(shown) + ")";
        }

        /// <summary>Wraps content in a style's markers, unless the format has none or the content is already in
        /// that style (WhatsApp cannot nest a style in itself). WhatsApp styles do not cross lines, so each line is
        /// wrapped on its own.</summary>
        private string Styled(Style style, Func<string> content)
        {
            var (open, close) = Markers(style);
            if (open is null || close is null || _depth[(int)style] > 0)
            {
                return content();
            }

            string inner;
            _depth[(int)style]++;
            try
            {
                inner = content();
            }
            finally
            {
                _depth[(int)style]--;
            }

            if (inner.Trim().Length == 0)
            {
                return inner;
            }

            if (!_whatsApp)
            {
                return open + inner + close;
            }

            var lines = inner.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                var trimmed = line.Trim();
                if (trimmed.Length == 0)
                {
                    continue;
                }

                var lead = line[..(line.Length - line.TrimStart().Length)];
                var trail = line[line.TrimEnd().Length..];
                lines[i] = lead + open + trimmed + close + trail;
            }

            return string.Join('\n', lines);
        }

        private (string? Open, string? Close) Markers(Style style)
        {
            if (_telegram)
            {
                return style switch
                {
                    Style.Bold => ("<b>", "</b>"),
                    Style.Italic => ("<i>", "</i>"),
                    _ => ("<s>", "</s>"),
                };
            }

            if (_whatsApp)
            {
                return style switch
                {
                    Style.Bold => ("*", "*"),
                    Style.Italic => ("_", "_"),
                    _ => ("~", "~"),
                };
            }

            return (null, null);
        }

        private string Text(string text) => _telegram ? TelegramEscape(text) : text;
    }
}
