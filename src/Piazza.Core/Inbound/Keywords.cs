using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Piazza.Channels;

namespace Piazza.Inbound;

/// <summary>The channel settings that drive conversations (same names on every platform that has them).</summary>
public static class InboundSettings
{
    public const string SubscribeKeywords = "subscribeKeywords";
    public const string UnsubscribeKeywords = "unsubscribeKeywords";
    public const string TopicsKeywords = "topicsKeywords";
    public const string PolicyUrl = "policyUrl";
    public const string PolicyVersion = "policyVersion";
    public const string OutOfHoursReply = "outOfHoursReply";

    /// <summary>Keywords answered with a fixed text, one entry per line: "ORARI|营业时间: the answer" (also the WeChat menu).</summary>
    public const string AutoReplies = "autoReplies";

    /// <summary>WhatsEmpoli's keywords, and their Chinese and English counterparts.</summary>
    public const string DefaultSubscribeKeywords = "it: ATTIVA ISCRIZIONE\nzh: 订阅\nen: START";

    public const string DefaultUnsubscribeKeywords = "it: DISATTIVA ISCRIZIONE\nzh: 退订\nen: STOP";

    public const string DefaultTopicsKeywords = "it: TEMI\nzh: 主题\nen: TOPICS";
}

/// <summary>What a message says, once keywords are recognised.</summary>
/// <param name="Kind">Subscribe, unsubscribe, topics, a choice of topics by number, or anything else.</param>
/// <param name="Language">The language of the keyword (null for other messages and numbers).</param>
/// <param name="Numbers">For a choice of topics: the numbers, in order, without repeats.</param>
/// <param name="Payload">For a subscribe command with a parameter (Telegram's <c>/start PAYLOAD</c> from a deep link), or a
/// subscribe keyword followed by a flyer's code (<c>ATTIVA ISCRIZIONE c-mercato</c>): the parameter, as written.</param>
public sealed record KeywordMatch(InboundKind Kind, string? Language, IReadOnlyList<int> Numbers, string? Payload = null);

/// <summary>
/// Recognises the channel's keywords in a message: the whole message, in any case, with any spacing (full-width
/// spaces and characters included) and a final full stop or exclamation mark, is the keyword. "1 3", "1,3" or "1、3"
/// chooses topics by number. A bot command ("/start", "/stop@ComuneBot") is matched without the bot's name, and a subscribe
/// command may carry a parameter ("/start t-acqua", Telegram's deep link), returned as the payload; so may the subscribe
/// keyword, followed by a flyer's code in <see cref="StartPayload"/>'s format ("ATTIVA ISCRIZIONE c-mercato", the text a
/// WhatsApp flyer's wa.me link writes).
/// </summary>
public static partial class Keywords
{
    public static KeywordMatch Match(string? text, IReadOnlyDictionary<string, string> settings)
    {
        var command = Command(text, out var payload);
        var normalized = Normalize(command ?? text);
        if (normalized.Length == 0)
        {
            return new KeywordMatch(InboundKind.Other, null, []);
        }

        foreach (var (kind, setting, fallback) in new[]
        {
            (InboundKind.Unsubscribe, InboundSettings.UnsubscribeKeywords, InboundSettings.DefaultUnsubscribeKeywords),
            (InboundKind.Subscribe, InboundSettings.SubscribeKeywords, InboundSettings.DefaultSubscribeKeywords),
            (InboundKind.Topics, InboundSettings.TopicsKeywords, InboundSettings.DefaultTopicsKeywords),
        })
        {
            foreach (var (language, words) in Map(settings, setting, fallback))
            {
                if (words.Split('|').Any(w => Normalize(w) is { Length: > 0 } k && string.Equals(k, normalized, StringComparison.Ordinal)))
                {
                    // Only the subscribe command takes a parameter; "/stop now" is a message for the staff.
                    return payload is not null && kind != InboundKind.Subscribe
                        ? new KeywordMatch(InboundKind.Other, null, [])
                        : new KeywordMatch(kind, language, [], payload);
                }
            }
        }

        // A flyer's code after the subscribe keyword ("ATTIVA ISCRIZIONE c-mercato", the text a WhatsApp flyer's link writes):
        // the last word, in StartPayload's format, is the payload; the rest must be the subscribe keyword itself.
        if (command is null && LastWord(text) is { } last && StartPayload.Parse(last.Word) is not null
            && Normalize(last.Before) is { Length: > 0 } rest)
        {
            foreach (var (language, words) in Map(settings, InboundSettings.SubscribeKeywords, InboundSettings.DefaultSubscribeKeywords))
            {
                if (words.Split('|').Any(w => Normalize(w) is { Length: > 0 } k && string.Equals(k, rest, StringComparison.Ordinal)))
                {
                    return new KeywordMatch(InboundKind.Subscribe, language, [], last.Word);
                }
            }
        }

        if (NumbersRegex().IsMatch(normalized))
        {
            var numbers = SeparatorRegex().Split(normalized).Where(n => n.Length > 0)
                .Select(n => int.Parse(n, NumberStyles.None, CultureInfo.InvariantCulture)).Distinct().ToList();
            return new KeywordMatch(InboundKind.TopicsChoice, null, numbers);
        }

        return new KeywordMatch(InboundKind.Other, null, []);
    }

    /// <summary>The entries of the auto-reply menu (setting <see cref="InboundSettings.AutoReplies"/>): the keywords
    /// (before the first colon, separated by |) and the answer.</summary>
    public static IReadOnlyList<(IReadOnlyList<string> Keywords, string Answer)> AutoReplies(IReadOnlyDictionary<string, string> settings)
    {
        var result = new List<(IReadOnlyList<string>, string)>();
        foreach (var raw in (settings.GetValueOrDefault(InboundSettings.AutoReplies) ?? string.Empty).Split('\n'))
        {
            var line = raw.Trim();
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[(colon + 1)..].Trim().Length == 0)
            {
                continue;
            }

            var words = line[..colon].Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length > 0)
            {
                result.Add((words, line[(colon + 1)..].Trim()));
            }
        }

        return result;
    }

    /// <summary>Why an auto-reply menu is wrong, or null.</summary>
    public static string? AutoRepliesProblem(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)
            .Any(l => l.IndexOf(':', StringComparison.Ordinal) is var colon && (colon <= 0 || l[(colon + 1)..].Trim().Length == 0 || l[..colon].Replace("|", string.Empty, StringComparison.Ordinal).Trim().Length == 0))
            ? "Write one entry per line: keywords separated by |, a colon, and the answer, e.g. \"ORARI|营业时间: lun-ven 9-13\"."
            : null;

    /// <summary>The index of the auto-reply entry a message asks for (its whole text is one of the entry's keywords), or -1.</summary>
    public static int AutoReplyIndex(string? text, IReadOnlyDictionary<string, string> settings)
    {
        var normalized = Normalize(text);
        if (normalized.Length == 0)
        {
            return -1;
        }

        var entries = AutoReplies(settings);
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Keywords.Any(k => string.Equals(Normalize(k), normalized, StringComparison.Ordinal)))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The keyword people should send for <paramref name="setting"/> in a language (its first alternative).</summary>
    public static string Display(IReadOnlyDictionary<string, string> settings, string setting, string language, IEnumerable<string> fallbacks)
    {
        var fallback = setting switch
        {
            InboundSettings.SubscribeKeywords => InboundSettings.DefaultSubscribeKeywords,
            InboundSettings.UnsubscribeKeywords => InboundSettings.DefaultUnsubscribeKeywords,
            _ => InboundSettings.DefaultTopicsKeywords,
        };
        var value = LanguageMap.For(Map(settings, setting, fallback), language, fallbacks) ?? string.Empty;
        return value.Split('|')[0].Trim();
    }

    /// <summary>For a bot command ("/start@ComuneBot t-acqua"): the command without the bot's name ("/start") and its
    /// parameter ("t-acqua", or null); null for any other text.</summary>
    public static string? Command(string? text, out string? payload)
    {
        payload = null;
        var trimmed = text?.Trim();
        if (trimmed is not { Length: > 1 } || trimmed[0] != '/')
        {
            return null;
        }

        var space = trimmed.AsSpan().IndexOfAny([' ', '\t', '\n', '\r', '\u3000']);
        var token = space < 0 ? trimmed : trimmed[..space];
        var at = token.IndexOf('@', StringComparison.Ordinal);
        if (at > 1)
        {
            token = token[..at];
        }

        if (space >= 0 && trimmed[space..].Trim() is { Length: > 0 } rest)
        {
            payload = rest;
        }

        return token;
    }

    /// <summary>The last word of a text (NFKC: full-width letters and digits become plain ones; a final full stop or
    /// exclamation mark dropped) and what comes before it; null for a text of one word.</summary>
    private static (string Word, string Before)? LastWord(string? text)
    {
        var s = text?.Normalize(NormalizationForm.FormKC).Trim().TrimEnd('.', '!', '。', '！').TrimEnd();
        var space = s is null ? -1 : s.AsSpan().LastIndexOfAny([' ', '\t', '\n', '\r']);
        return space <= 0 ? null : (s![(space + 1)..], s[..space]);
    }

    /// <summary>Upper case, NFKC (full-width letters, digits and spaces become plain ones), one space between words,
    /// no final full stop or exclamation mark.</summary>
    public static string Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var s = SpaceRegex().Replace(text.Normalize(NormalizationForm.FormKC), " ").Trim().TrimEnd('.', '!', '。', '！', ' ');
        return s.ToUpperInvariant();
    }

    private static IReadOnlyList<(string Language, string Value)> Map(IReadOnlyDictionary<string, string> settings, string name, string fallback) =>
        LanguageMap.Parse(settings.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : fallback);

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpaceRegex();

    [GeneratedRegex(@"^\d{1,2}([\s,;、，]+\d{1,2})*$")]
    private static partial Regex NumbersRegex();

    [GeneratedRegex(@"[\s,;、，]+")]
    private static partial Regex SeparatorRegex();
}
