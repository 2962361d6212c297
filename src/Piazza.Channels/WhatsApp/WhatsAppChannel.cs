using Piazza.Inbound;

namespace Piazza.Channels.WhatsApp;

/// <summary>WhatsApp Business Cloud API (Meta Graph API), as Empoli's WhatsEmpoli runs it: citizens subscribe by
/// sending a keyword, routine bulletins go out as approved templates (or as text inside a person's 24-hour window).</summary>
public static class WhatsAppChannel
{
    public const string BaseUrl = "baseUrl";
    public const string ApiVersion = "apiVersion";
    public const string PhoneNumberId = "phoneNumberId";
    public const string BusinessAccountId = "businessAccountId";
    public const string PhoneNumber = "phoneNumber";
    public const string Templates = "templates";
    public const string SubscribeKeywords = InboundSettings.SubscribeKeywords;
    public const string UnsubscribeKeywords = InboundSettings.UnsubscribeKeywords;
    public const string TopicsKeywords = InboundSettings.TopicsKeywords;
    public const string PolicyUrl = InboundSettings.PolicyUrl;
    public const string PolicyVersion = InboundSettings.PolicyVersion;
    public const string OutOfHoursReply = InboundSettings.OutOfHoursReply;
    public const string AccessToken = "accessToken";
    public const string AppSecret = "appSecret";
    public const string VerifyToken = "verifyToken";

    public static readonly ChannelDefinition Definition = new(
        ChannelKind.WhatsApp,
        "WhatsApp",
        [
            new(BaseUrl, "API base URL", IsUrl: true, Default: "https://graph.facebook.com", Help: "Keep the default unless a proxy or a test server stands in for Meta."),
            new(ApiVersion, "Graph API version", Default: "v23.0", Help: "The version of Meta's Graph API that Piazza calls, e.g. v23.0."),
            new(PhoneNumberId, "Phone number ID", Help: "In the Meta app: WhatsApp, API Setup, under the business phone number."),
            new(BusinessAccountId, "WhatsApp Business Account ID", Help: "On the same page of the Meta app, next to the phone number ID."),
            new(PhoneNumber, "Public phone number", Required: false,
                Help: "The number citizens save and write to, in international format (e.g. +390574183600): the subscribe page and the flyers print it, and their QR codes open a chat with it."),
            new(Templates, "Bulletin templates", Required: false, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language: the name of the template approved by Meta, and its language code after a slash, e.g. \"it: piazza_notiziario/it\". Its body has two parameters: {{1}} the title, {{2}} the text. Routine bulletins reach people who have not written in the last 24 hours only through these templates."),
            new(SubscribeKeywords, "Subscribe keywords", Required: false, Default: InboundSettings.DefaultSubscribeKeywords, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language; alternatives separated by |. Any case and extra spaces are accepted. The language of the keyword becomes the person's language."),
            new(UnsubscribeKeywords, "Unsubscribe keywords", Required: false, Default: InboundSettings.DefaultUnsubscribeKeywords, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language; alternatives separated by |. Leaving is immediate and confirmed."),
            new(TopicsKeywords, "Topics keywords", Required: false, Default: InboundSettings.DefaultTopicsKeywords, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language: the person gets the numbered list of topics and chooses by replying with numbers."),
            new(PolicyUrl, "Privacy notice URL", Required: false, IsUrl: true, Help: "Linked in the confirmation of every subscription."),
            new(PolicyVersion, "Privacy notice version", Required: false, Default: "1", Help: "Recorded with each consent; change it when the notice changes."),
            new(OutOfHoursReply, "Out-of-hours reply", Required: false, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language: the answer to a message received outside the service hours (at most once a day per person). Empty: Piazza's own text."),
            .. BroadcastSettings.For(80),
        ],
        [
            new(AccessToken, "Access token", Help: "A permanent token of a system user of the Business Manager, with the whatsapp_business_messaging permission."),
            new(AppSecret, "App secret (webhook signatures)", Help: "In the Meta app's basic settings: Piazza uses it to check that incoming messages come from Meta."),
            new(VerifyToken, "Webhook verify token", Help: "A text of your choice: enter the same one in the webhook settings of the Meta app."),
        ],
        "A WhatsApp Business number: citizens subscribe by message, bulletins go out as approved templates.")
    {
        Format = MessageFormat.WhatsApp,
        SandboxDefaults = Simulator.WhatsAppSandbox.Defaults,
        Join = WhatsAppJoin.For,
        CampaignProblem = WhatsAppJoin.CampaignProblem,
        Problems = (settings, _) => settings.GetValueOrDefault(PhoneNumber) is { Length: > 0 } number && !Common.Rules.IsE164(number)
            ? [("settings." + PhoneNumber, PhoneNumberProblem)]
            : [],
        SendingProblem = (settings, languages) => languages.All(TemplatesOf(settings).ContainsKey)
            ? null
            : "A language of this bulletin has no WhatsApp template in the channel's settings (Bulletin templates): people who have not written in the last 24 hours could not get it.",
    };

    public const string PhoneNumberProblem = "Write the number in international format: + and the country code, digits only, e.g. +390574183600.";

    /// <summary>The templates configured per language: name and Meta's language code.</summary>
    public static IReadOnlyDictionary<string, (string Name, string Code)> TemplatesOf(IReadOnlyDictionary<string, string> settings)
    {
        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var (language, value) in LanguageMap.Parse(settings.GetValueOrDefault(Templates)))
        {
            var slash = value.IndexOf('/', StringComparison.Ordinal);
            var name = (slash < 0 ? value : value[..slash]).Trim();
            var code = slash < 0 ? language.Replace('-', '_') : value[(slash + 1)..].Trim();
            if (name.Length > 0 && code.Length > 0)
            {
                result.TryAdd(language, (name, code));
            }
        }

        return result;
    }
}
