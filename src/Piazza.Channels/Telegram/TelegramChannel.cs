using Piazza.Inbound;

namespace Piazza.Channels.Telegram;

/// <summary>Telegram Bot API: a bot for private chats and thematic channels (as in Prato).</summary>
public static class TelegramChannel
{
    public const string BaseUrl = "baseUrl";
    public const string BotUsername = "botUsername";
    public const string ChannelUsername = "channelUsername";
    public const string BotToken = "botToken";
    public const string WebhookSecret = "webhookSecret";

    /// <summary>The bot's commands, in every language (the answer's language is the person's app's), and the keywords.</summary>
    public const string DefaultSubscribeKeywords = "it: /start|ATTIVA ISCRIZIONE\nzh: /start|订阅\nen: /start|START";

    public const string DefaultUnsubscribeKeywords = "it: /stop|DISATTIVA ISCRIZIONE\nzh: /stop|退订\nen: /stop|STOP";

    public const string DefaultTopicsKeywords = "it: /topics|TEMI\nzh: /topics|主题\nen: /topics|TOPICS";

    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Telegram,
        "Telegram",
        [
            new(BaseUrl, "API base URL", IsUrl: true, Default: "https://api.telegram.org", Help: "Keep the default unless a proxy or a test server stands in for Telegram."),
            new(BotUsername, "Bot username", Help: "The bot's username as registered with @BotFather, e.g. ComunePratoBot."),
            new(ChannelUsername, "Public channel (@name)", Required: false, Help: "Optional: a public channel where the bot is an administrator. When set, bulletins are posted there, one post for all its members, instead of to the bot's subscribers."),
            ChannelTopics.Field,
            new(InboundSettings.SubscribeKeywords, "Subscribe commands", Required: false, Default: DefaultSubscribeKeywords, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language; alternatives separated by |. /start (also from a deep link https://t.me/<bot>?start=t-<topic>_c-<campaign>) subscribes; the answer is in the language of the person's app when the organization has it."),
            new(InboundSettings.UnsubscribeKeywords, "Unsubscribe commands", Required: false, Default: DefaultUnsubscribeKeywords, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language; alternatives separated by |. Leaving is immediate and confirmed."),
            new(InboundSettings.TopicsKeywords, "Topics commands", Required: false, Default: DefaultTopicsKeywords, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language: the person gets the numbered list of topics and chooses by replying with numbers."),
            new(InboundSettings.PolicyUrl, "Privacy notice URL", Required: false, IsUrl: true, Help: "Linked in the confirmation of every subscription."),
            new(InboundSettings.PolicyVersion, "Privacy notice version", Required: false, Default: "1", Help: "Recorded with each consent; change it when the notice changes."),
            new(InboundSettings.OutOfHoursReply, "Out-of-hours reply", Required: false, Type: ChannelFieldType.LanguageMap,
                Help: "One line per language: the answer to a message received outside the service hours (at most once a day per person). Empty: Piazza's own text."),
            .. BroadcastSettings.For(30, wholeChannel: true),
        ],
        [
            new(BotToken, "Bot token", Help: "The token @BotFather gives when the bot is created."),
            new(WebhookSecret, "Webhook secret token", Help: "A random text of your choice: Telegram sends it with every update so Piazza knows the update is genuine."),
        ],
        "A Telegram bot for private chats, or a public channel where the bot posts.")
    {
        Format = MessageFormat.TelegramHtml,
        SendsToWholeChannel = s => s.ContainsKey(ChannelUsername),
        SandboxDefaults = Simulator.TelegramSandbox.Defaults,
        Join = TelegramJoin.For,
        CampaignProblem = TelegramJoin.CampaignProblem,
        Problems = (settings, _) => ProblemsOf(settings),
    };

    /// <summary>Only a public channel publishes by theme: a bot's subscribers choose their own topics.</summary>
    private static IEnumerable<(string Field, string Message)> ProblemsOf(IReadOnlyDictionary<string, string> settings)
    {
        if (settings.ContainsKey(ChannelTopics.Setting) && !settings.ContainsKey(ChannelUsername))
        {
            yield return ("settings." + ChannelTopics.Setting, "Only a public channel (@name) publishes by topic: set it, or leave the topics empty.");
        }
    }
}
