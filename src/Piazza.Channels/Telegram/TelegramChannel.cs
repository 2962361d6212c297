namespace Piazza.Channels.Telegram;

/// <summary>Telegram Bot API: a bot for private chats and thematic channels (as in Prato).</summary>
public static class TelegramChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Telegram,
        "Telegram",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://api.telegram.org", Help: "Keep the default unless a proxy or a test server stands in for Telegram."),
            new("botUsername", "Bot username", Help: "The bot's username as registered with @BotFather, e.g. ComunePratoBot."),
            new("channelUsername", "Public channel (@name)", Required: false, Help: "Optional: a public channel where the bot is an administrator. When set, bulletins are posted there, one post for all its members, instead of to the bot's subscribers."),
            .. BroadcastSettings.For(30, wholeChannel: true),
        ],
        [
            new("botToken", "Bot token", Help: "The token @BotFather gives when the bot is created."),
            new("webhookSecret", "Webhook secret token", Help: "A random text of your choice: Telegram sends it with every update so Piazza knows the update is genuine."),
        ],
        "A Telegram bot for private chats, or a public channel where the bot posts.")
    {
        Format = MessageFormat.TelegramHtml,
        SendsToWholeChannel = s => s.ContainsKey("channelUsername"),
    };
}
