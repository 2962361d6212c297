using Piazza.Inbound;

namespace Piazza.Channels.WeChat;

/// <summary>WeChat Official Account (公众号), as Prato's bilingual "ViaRoma101" runs it: people follow the account (often
/// by scanning a flyer's QR code), bulletins go out as mass sends to the WeChat tags of their topic and language.</summary>
public static class WeChatChannel
{
    public const string BaseUrl = "baseUrl";
    public const string AppId = "appId";
    public const string OriginalId = "originalId";
    public const string AccountName = "accountName";
    public const string AccountType = "accountType";
    public const string CoverMediaId = "coverMediaId";
    public const string AutoReplies = InboundSettings.AutoReplies;
    public const string AppSecret = "appSecret";
    public const string Token = "token";
    public const string EncodingAesKey = "encodingAesKey";

    /// <summary>Subscription accounts: one mass send a day. Service accounts: four a month per follower.</summary>
    public const string Subscription = "subscription";

    public const string Service = "service";

    public static readonly ChannelDefinition Definition = new(
        ChannelKind.WeChat,
        "WeChat",
        [
            new(BaseUrl, "API base URL", IsUrl: true, Default: "https://api.weixin.qq.com/cgi-bin/", Help: "Keep the default unless a proxy or a test server stands in for WeChat."),
            new(AppId, "AppID", Help: "On the Official Account Platform: Settings and Development, Basic Configuration."),
            new(OriginalId, "Original ID (gh_…)", Required: false, Help: "On the account's information page; the callbacks are addressed to it."),
            new(AccountName, "WeChat ID to search", Required: false,
                Help: "The account's WeChat ID (微信号) or name as people search for it, e.g. ViaRoma101: the subscribe page and the flyers print it beside the QR code."),
            new(AccountType, "Account type (subscription or service)", Default: Subscription,
                Help: "As registered with WeChat. A subscription account may mass send once a day; a service account four times a month per follower."),
            new(CoverMediaId, "Cover image (media_id)", Required: false,
                Help: "The media_id of a permanent image material. When set, bulletins go out as articles, which followers can comment on; when empty, as text."),
            new(InboundSettings.SubscribeKeywords, "Subscribe keywords", Required: false, Default: InboundSettings.DefaultSubscribeKeywords, Type: ChannelFieldType.LanguageMap,
                Help: "Following the account subscribes; these keywords subscribe again someone who has left. One line per language; alternatives separated by |."),
            new(InboundSettings.UnsubscribeKeywords, "Unsubscribe keywords", Required: false, Default: InboundSettings.DefaultUnsubscribeKeywords, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language; alternatives separated by |. Unfollowing the account also unsubscribes."),
            new(InboundSettings.TopicsKeywords, "Topics keywords", Required: false, Default: InboundSettings.DefaultTopicsKeywords, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language: the follower gets the numbered list of topics and chooses by replying with numbers. The keyword's language becomes theirs."),
            new(AutoReplies, "Auto-reply menu", Required: false, Type: ChannelFieldType.KeywordReplies,
                Help: "One line per entry: keywords separated by |, a colon, and the answer, e.g. \"ORARI|营业时间: Ufficio immigrazione: lun-ven 9-13 / 周一至周五 9-13\". The entries also make the account's menu."),
            new(InboundSettings.PolicyUrl, "Privacy notice URL", Required: false, IsUrl: true, Help: "Linked in the welcome every new follower gets."),
            new(InboundSettings.PolicyVersion, "Privacy notice version", Required: false, Default: "1", Help: "Recorded with each consent; change it when the notice changes."),
            new(InboundSettings.OutOfHoursReply, "Out-of-hours reply", Required: false, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language: the answer to a message received outside the service hours (at most once a day per person). Empty: Piazza's own text."),
            .. BroadcastSettings.For(20, wholeChannel: true),
        ],
        [
            new(AppSecret, "AppSecret", Help: "On the same page as the AppID; WeChat shows it only when it is generated."),
            new(Token, "Server token (signatures)", Help: "A text of your choice: enter the same one as Token in the server configuration."),
            new(EncodingAesKey, "EncodingAESKey (safe mode)", Required: false,
                Help: "Only if messages are encrypted (safe mode, recommended): the 43-character key of the server configuration."),
        ],
        "A WeChat Official Account: followers get bulletins in their chat, in Chinese and Italian.")
    {
        Format = MessageFormat.PlainText,
        // An official account reaches its followers by mass send to a tag; messages to one follower are allowed only
        // within 48 hours of their last action. A bulletin is one mass send per WeChat tag (its topic) and language.
        SendsToWholeChannel = _ => true,
        SandboxDefaults = Simulator.WeChatSandbox.Defaults,
        Join = WeChatJoin.For,
        CampaignProblem = _ => null,

        // With "Languages of each post" set, each mass send carries those languages and goes to every follower of the
        // topic; otherwise there is one mass send per language, each to the followers of that language.
        Problems = Problems,
        AudienceGroups = (settings, orgLanguages) =>
            !string.IsNullOrWhiteSpace(settings.GetValueOrDefault(BroadcastSettings.Languages)) || orgLanguages.Count == 0 ? ["*"] : orgLanguages,
    };

    public const string AppIdProblem = "A WeChat AppID is \"wx\" followed by 16 letters or digits.";
    public const string OriginalIdProblem = "The original ID starts with gh_ (it is on the account's information page).";
    public const string AccountTypeProblem = "Write subscription or service.";

    /// <summary>What WeChat would refuse in an account's settings and secrets.</summary>
    public static IEnumerable<(string Field, string Message)> Problems(IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> secrets)
    {
        if (settings.GetValueOrDefault(AppId) is { Length: > 0 } appId && !(appId.Length == 18 && appId.StartsWith("wx", StringComparison.Ordinal) && appId[2..].All(char.IsAsciiLetterOrDigit)))
        {
            yield return ("settings." + AppId, AppIdProblem);
        }

        if (settings.GetValueOrDefault(OriginalId) is { Length: > 0 } original && !original.StartsWith("gh_", StringComparison.Ordinal))
        {
            yield return ("settings." + OriginalId, OriginalIdProblem);
        }

        if (settings.GetValueOrDefault(AccountType) is { Length: > 0 } type && type.Trim().ToLowerInvariant() is not (Subscription or Service))
        {
            yield return ("settings." + AccountType, AccountTypeProblem);
        }

        if (secrets.GetValueOrDefault(EncodingAesKey) is { Length: > 0 } key && WeChatCrypto.KeyProblem(key) is { } keyProblem)
        {
            yield return ("secrets." + EncodingAesKey, keyProblem);
        }
    }

    /// <summary>True for a service account (four mass sends a month per follower), false for a subscription account (one a day).</summary>
    public static bool IsService(IReadOnlyDictionary<string, string> settings) =>
        string.Equals(settings.GetValueOrDefault(AccountType)?.Trim(), Service, StringComparison.OrdinalIgnoreCase);
}
