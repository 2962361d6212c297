namespace Piazza.Channels.Telegram.Simulator;

/// <summary>A piece of a message as the Telegram app shows it: text, or a formatted run holding other pieces.</summary>
/// <param name="Kind">"text", or the formatting: "b", "i", "u", "s", "spoiler", "code", "pre", "blockquote", "a".</param>
/// <param name="Text">The text of a "text" piece (entities decoded: shown as it is, never read as markup).</param>
/// <param name="Href">The address of a link ("a"): only http and https are kept, any other link shows as its text.</param>
/// <param name="Children">The pieces inside a formatted run.</param>
public sealed record TelegramNode(string Kind, string? Text, string? Href, IReadOnlyList<TelegramNode> Children)
{
    public static TelegramNode Plain(string text) => new("text", text, null, []);
}

/// <summary>
/// What the Telegram app shows of a message: its text in HTML parse mode turned into <see cref="TelegramNode"/>s, the
/// formatting Telegram knows (bold, italic, underline, strike, spoiler, code, pre, quote, links) and every other character
/// as text. The console draws these pieces itself (elements and text nodes, never the message's HTML), so a title like
/// <c>&lt;script&gt;</c> written by the staff shows as those characters. A message without a parse mode is one text.
/// </summary>
public static class TelegramAppView
{
    public static IReadOnlyList<TelegramNode> Nodes(TelegramSimMessage message) =>
        string.Equals(message.ParseMode, "HTML", StringComparison.OrdinalIgnoreCase) ? Parse(message.Raw) ?? [TelegramNode.Plain(message.Text)] : [TelegramNode.Plain(message.Text)];

    /// <summary>The pieces of a text in Telegram's HTML, or null when it is not HTML Telegram accepts.</summary>
    public static IReadOnlyList<TelegramNode>? Parse(string html)
    {
        if (TelegramSimulator.ParseHtml(html).Error is not null)
        {
            return null;
        }

        // The text is well-formed (checked above): a stack of open runs, each collecting its pieces.
        var root = new List<TelegramNode>();
        var stack = new Stack<(string Kind, string? Href, List<TelegramNode> Children)>();
        var current = root;
        var i = 0;
        while (i < html.Length)
        {
            if (html[i] == '<')
            {
                var end = html.IndexOf('>', i);
                var tag = html[(i + 1)..end];
                if (tag.StartsWith('/'))
                {
                    var (kind, href, children) = stack.Pop();
                    current = stack.Count > 0 ? stack.Peek().Children : root;
                    current.Add(kind switch
                    {
                        "emoji" => children.Count == 1 ? children[0] : new TelegramNode("span", null, null, children),
                        "a" when href is null => new TelegramNode("span", null, null, children),
                        _ => new TelegramNode(kind, null, href, children),
                    });
                }
                else
                {
                    var space = tag.IndexOfAny([' ', '\t', '\n']);
                    var name = (space < 0 ? tag : tag[..space]).ToLowerInvariant();
                    var attributes = space < 0 ? string.Empty : tag[space..].Trim();
                    stack.Push((KindOf(name), name == "a" ? Href(attributes) : null, []));
                    current = stack.Peek().Children;
                }

                i = end + 1;
            }
            else
            {
                var next = html.IndexOf('<', i);
                var chunk = next < 0 ? html[i..] : html[i..next];
                current.Add(TelegramNode.Plain(TelegramSimulator.DecodeEntities(chunk) ?? chunk));
                i = next < 0 ? html.Length : next;
            }
        }

        return root;
    }

    private static string KindOf(string tag) => tag switch
    {
        "b" or "strong" => "b",
        "i" or "em" => "i",
        "u" or "ins" => "u",
        "s" or "strike" or "del" => "s",
        "span" or "tg-spoiler" => "spoiler",
        "tg-emoji" => "emoji",
        _ => tag, // a, code, pre, blockquote
    };

    /// <summary>The href of an &lt;a&gt;, decoded, when it is an http(s) address.</summary>
    private static string? Href(string attributes)
    {
        var value = attributes["href=".Length..].Trim();
        if (value.Length >= 2 && value[0] is '"' or '\'' && value.IndexOf(value[0], 1) is var close and > 0)
        {
            value = value[1..close];
        }

        var decoded = TelegramSimulator.DecodeEntities(value);
        return Uri.TryCreate(decoded, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.AbsoluteUri : null;
    }
}
