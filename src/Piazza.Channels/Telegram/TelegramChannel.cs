namespace Piazza.Channels.Telegram;

/// <summary>Telegram Bot API: a bot for private chats and thematic channels (as in Prato).</summary>
public static class TelegramChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Telegram,
        "Telegram",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://api.telegram.org"),
            new("botUsername", "Bot username"),
            new("channelUsername", "Public channel (@name)", Required: false),
        ],
        [
            new("botToken", "Bot token"),
            new("webhookSecret", "Webhook secret token"),
        ]);
}
