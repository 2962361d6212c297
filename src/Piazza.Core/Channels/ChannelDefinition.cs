using System.Text.Json.Serialization;

namespace Piazza.Channels;

/// <summary>How a platform shows text, which decides how a bulletin's Markdown is rendered and how long it may be.</summary>
public enum MessageFormat
{
    /// <summary>Plain text (WeChat, Facebook): no markup, links written out.</summary>
    PlainText = 0,

    /// <summary>WhatsApp's own markup: *bold*, _italic_, ~strike~, ```monospace```.</summary>
    WhatsApp = 1,

    /// <summary>Telegram's HTML parse mode: &lt;b&gt;, &lt;i&gt;, &lt;a&gt;…, every other character escaped.</summary>
    TelegramHtml = 2,

    /// <summary>An X post: plain text, 280 weighted characters (CJK count double, links 23).</summary>
    XPost = 3,

    /// <summary>A Mastodon status: plain text, 500 characters by default (links count 23).</summary>
    MastodonStatus = 4,

    /// <summary>The public website: full HTML, no length limit.</summary>
    Web = 5,
}

/// <summary>What configuring an account on one platform takes: its settings (shown back) and its secrets
/// (encrypted at rest, never shown back). Each platform's folder in Piazza.Channels provides one.</summary>
/// <param name="Kind">The platform.</param>
/// <param name="DisplayName">Its name as people know it (e.g. "WhatsApp").</param>
/// <param name="Settings">The settings of an account on it (shown back after saving).</param>
/// <param name="Secrets">The secrets of an account (tokens, app secrets): encrypted at rest, never shown back.</param>
/// <param name="Description">One line on what the channel is, for the console (English; translated through the resource files).</param>
public sealed record ChannelDefinition(ChannelKind Kind, string DisplayName, IReadOnlyList<ChannelField> Settings, IReadOnlyList<ChannelField> Secrets, string Description = "")
{
    /// <summary>How its messages are written.</summary>
    public MessageFormat Format { get; init; } = MessageFormat.PlainText;

    /// <summary>Whether an account of this platform, with these settings, publishes one post for the whole channel
    /// (a Facebook page, a Telegram channel) rather than one message per subscriber.</summary>
    [JsonIgnore]
    public Func<IReadOnlyDictionary<string, string>, bool> SendsToWholeChannel { get; init; } = _ => false;

    /// <summary>For a whole-channel platform that posts once per group of followers (WeChat: one mass send per
    /// language tag), the groups, given the channel's settings and the organization's languages: a language, or "*" for
    /// every follower (each post then carries the channel's post languages). Each group gets its own delivery, with
    /// subscriber id −1, −2… in this order. Null: one post for the whole channel.</summary>
    [JsonIgnore]
    public Func<IReadOnlyDictionary<string, string>, IReadOnlyList<string>, IReadOnlyList<string>>? AudienceGroups { get; init; }

    /// <summary>What is wrong with an account's settings and secrets beyond their types (a WeChat AppID's form, an
    /// EncodingAESKey's length): field ("settings.appId", "secrets.encodingAesKey") and message. Given what was set.</summary>
    [JsonIgnore]
    public Func<IReadOnlyDictionary<string, string>, IReadOnlyDictionary<string, string>, IEnumerable<(string Field, string Message)>> Problems { get; init; } = (_, _) => [];

    /// <summary>Why a bulletin in these languages cannot be sent on a live channel with these settings, or null
    /// (WhatsApp: a language without an approved template).</summary>
    [JsonIgnore]
    public Func<IReadOnlyDictionary<string, string>, IReadOnlyCollection<string>, string?> SendingProblem { get; init; } = (_, _) => null;

    /// <summary>What a sandbox account of this platform gets when it lacks them, so that it works with Piazza's
    /// simulator out of the box (WhatsApp: a phone number ID, templates for the organization's languages, generated
    /// tokens). Given the organization's languages in order; settings and secrets already set are kept.</summary>
    [JsonIgnore]
    public Func<IReadOnlyList<string>, SandboxDefaults>? SandboxDefaults { get; init; }

    /// <summary>How a citizen joins an account of this platform, in a language (and from a flyer campaign): its join link
    /// and what to save or send. Null for a platform nobody joins (the website).</summary>
    [JsonIgnore]
    public Func<JoinRequest, ChannelJoin>? Join { get; init; }

    /// <summary>Why flyer campaigns cannot be made on an account with these settings, or null when they can (WhatsApp
    /// needs its public number; a Telegram public channel cannot tell who joined). Platforms without campaigns: a message.</summary>
    [JsonIgnore]
    public Func<IReadOnlyDictionary<string, string>, string?> CampaignProblem { get; init; } =
        _ => "QR campaigns are available for WhatsApp, Telegram and WeChat channels.";

    public ChannelField? Setting(string name) => Settings.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));
}

/// <summary>Settings and secrets a sandbox account gets when it has none of its own.</summary>
public sealed record SandboxDefaults(IReadOnlyDictionary<string, string> Settings, IReadOnlyDictionary<string, string> Secrets);

/// <summary>What a setting's value must look like; <see cref="Channels.ChannelService"/> checks it.</summary>
public enum ChannelFieldType
{
    Text = 0,

    /// <summary>An absolute http(s) URL.</summary>
    Url = 1,

    /// <summary>A whole number ≥ 1 (a rate, a length).</summary>
    Number = 2,

    /// <summary>A comma-separated list of the organization's languages, e.g. "zh,it".</summary>
    Languages = 3,

    /// <summary>Weekly hours such as "Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00", or "always".</summary>
    WeeklyHours = 4,

    /// <summary>A daily range such as "21:00-08:00", or "none".</summary>
    DailyRange = 5,

    /// <summary>A whole number ≥ 1, or "none".</summary>
    Cap = 6,

    /// <summary>One line per language, "it: text"; alternatives in a line separated by "|" where the field says so
    /// (see <see cref="LanguageMap"/>).</summary>
    LanguageMap = 7,

    /// <summary>One entry per line: keywords separated by "|", a colon, and the answer (see <see cref="Inbound.Keywords.AutoReplies"/>).</summary>
    KeywordReplies = 8,

    /// <summary>A comma-separated list of the organization's topic keys, e.g. "sport,cultura-eventi" (see <see cref="ChannelTopics"/>).</summary>
    Topics = 9,
}

/// <summary>A setting with a value per language, written one line per language: <c>it: ATTIVA ISCRIZIONE</c>.</summary>
public static class LanguageMap
{
    /// <summary>The lines of a map, in order: language tag (normalized) and the text after the colon (trimmed).</summary>
    public static IReadOnlyList<(string Language, string Value)> Parse(string? text)
    {
        var result = new List<(string, string)>();
        foreach (var raw in (text ?? string.Empty).Split('\n'))
        {
            var line = raw.Trim();
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.Length == 0 || colon <= 0)
            {
                continue;
            }

            var value = line[(colon + 1)..].Trim();
            if (value.Length > 0)
            {
                result.Add((Common.Rules.NormalizeLanguageTag(line[..colon]), value));
            }
        }

        return result;
    }

    /// <summary>Why a map is wrong, or null: every non-empty line must be "language: text".</summary>
    public static string? Problem(string text)
    {
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var wrong = lines.Any(line => line.IndexOf(':', StringComparison.Ordinal) is var colon
            && (colon <= 0 || !Common.Rules.IsLanguageTag(line[..colon].Trim()) || line[(colon + 1)..].Trim().Length == 0));
        return wrong || lines.Count == 0 ? "Write one line per language, such as \"it: ATTIVA ISCRIZIONE\"." : null;
    }

    /// <summary>The value for a language, else for the first language of <paramref name="fallbacks"/> that has one, else the first line's.</summary>
    public static string? For(IReadOnlyList<(string Language, string Value)> map, string language, IEnumerable<string> fallbacks)
    {
        foreach (var l in fallbacks.Prepend(language))
        {
            foreach (var (lang, value) in map)
            {
                if (string.Equals(lang, l, StringComparison.Ordinal))
                {
                    return value;
                }
            }
        }

        return map.Count > 0 ? map[0].Value : null;
    }
}

/// <summary>A setting or secret of a channel.</summary>
/// <param name="Name">Its name in the API (camelCase).</param>
/// <param name="Label">Its label in the console (English; translated through the resource files).</param>
/// <param name="Required">Whether a live (non-sandbox) channel needs it.</param>
/// <param name="IsUrl">Whether it must be an absolute http(s) URL (base URLs of the platform's API).</param>
/// <param name="Default">Value used when not given.</param>
/// <param name="Help">Where to find the value or what it is for, shown under the field (English; translated through the resource files).</param>
/// <param name="Type">What the value must look like (an <paramref name="IsUrl"/> field is a URL).</param>
public sealed record ChannelField(string Name, string Label, bool Required = true, bool IsUrl = false, string? Default = null, string? Help = null, ChannelFieldType Type = ChannelFieldType.Text)
{
    [JsonIgnore]
    public ChannelFieldType EffectiveType => IsUrl ? ChannelFieldType.Url : Type;
}

/// <summary>The settings every channel has for broadcasting: its rate, the languages a bulletin needs, and its
/// overrides of the organization's sending policy.</summary>
public static class BroadcastSettings
{
    public const string RateLimit = "rateLimit";
    public const string RequiredLanguages = "requiredLanguages";
    public const string Languages = "languages";
    public const string MonthlyCap = "monthlyCap";
    public const string ServiceHours = "serviceHours";
    public const string QuietHours = "quietHours";

    /// <summary>The broadcast settings of a platform whose accounts accept <paramref name="defaultRate"/> messages a second.</summary>
    public static IEnumerable<ChannelField> For(int defaultRate, bool wholeChannel = false)
    {
        yield return new(RateLimit, "Messages per second", Required: false, Default: defaultRate.ToString(System.Globalization.CultureInfo.InvariantCulture), Type: ChannelFieldType.Number,
            Help: "The platform's limit for this account: Piazza never sends faster.");
        yield return new(RequiredLanguages, "Languages a bulletin must have", Required: false, Type: ChannelFieldType.Languages,
            Help: "Comma-separated, e.g. zh,it: a bulletin without text in one of them cannot be approved for this channel.");
        if (wholeChannel)
        {
            yield return new(Languages, "Languages of each post", Required: false, Type: ChannelFieldType.Languages,
                Help: "For posts to the whole channel: the languages each post carries, in order (e.g. zh,it for a bilingual post). Empty: the first language of the organization.");
        }

        yield return new(MonthlyCap, "Monthly cap per subscriber", Required: false, Type: ChannelFieldType.Cap,
            Help: "Routine messages a subscriber gets at most per calendar month; none for no cap. Empty: the organization's sending policy.");
        yield return new(ServiceHours, "Service hours", Required: false, Type: ChannelFieldType.WeeklyHours,
            Help: "When routine bulletins may go out, e.g. Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00, or always. Empty: the organization's sending policy.");
        yield return new(QuietHours, "Quiet hours", Required: false, Type: ChannelFieldType.DailyRange,
            Help: "When citizens get no routine message, e.g. 21:00-08:00, or none. Empty: the organization's sending policy.");
    }
}

/// <summary>
/// Thematic channels (Prato's "Prato Sport", "Prato Scuola" on Telegram; a library's Facebook page): the setting
/// <c>topics</c> of a channel that posts to its whole audience names the topics it publishes. A bulletin of another topic
/// cannot be saved or approved with it (<see cref="Posts.PostService"/>). Empty: every topic.
/// </summary>
public static class ChannelTopics
{
    public const string Setting = "topics";

    /// <summary>The field, for the platforms that post to a whole channel.</summary>
    public static ChannelField Field { get; } = new(Setting, "Topics it publishes", Required: false, Type: ChannelFieldType.Topics,
        Help: "For a thematic channel: the keys of the topics it publishes, comma-separated (e.g. sport). A bulletin of another topic cannot be sent on it. Empty: every topic.");

    /// <summary>The topic keys a channel with these settings publishes; empty for every topic.</summary>
    public static IReadOnlyList<string> Of(IReadOnlyDictionary<string, string> settings) =>
        settings.TryGetValue(Setting, out var value) ? Split(value) : [];

    /// <summary>The same, from the channel's stored settings (JSON).</summary>
    public static IReadOnlyList<string> OfJson(string settingsJson) =>
        Of(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(settingsJson) ?? []);

    /// <summary>Whether a channel with these topics publishes a bulletin of <paramref name="topicKey"/>.</summary>
    public static bool Takes(IReadOnlyList<string> topics, string topicKey) =>
        topics.Count == 0 || topics.Contains(topicKey, StringComparer.Ordinal);

    /// <summary>The keys of a setting's value: split on commas, trimmed, lower-case, each once.</summary>
    public static IReadOnlyList<string> Split(string? value) =>
        [.. (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => k.ToLowerInvariant()).Distinct(StringComparer.Ordinal)];
}

/// <summary>All known platforms, as registered by Piazza.Channels.</summary>
public sealed class ChannelCatalog(IEnumerable<ChannelDefinition> definitions)
{
    private readonly Dictionary<ChannelKind, ChannelDefinition> _byKind = definitions.ToDictionary(d => d.Kind);

    public IReadOnlyCollection<ChannelDefinition> All => _byKind.Values;

    public ChannelDefinition? Find(ChannelKind kind) => _byKind.GetValueOrDefault(kind);
}
