using Piazza.Inbound;

namespace Piazza.Channels.Telegram;

/// <summary>
/// Joining on Telegram: a bot is opened with its deep link and started (<c>https://t.me/&lt;bot&gt;?start=c-website</c> from
/// the public pages, <c>https://t.me/&lt;bot&gt;?start=c-&lt;scene&gt;</c> of a flyer, <c>t-&lt;topic&gt;_c-&lt;scene&gt;</c> with a topic,
/// built by <see cref="TelegramDeepLink"/>); a public channel (setting <c>channelUsername</c>) is joined at
/// <c>https://t.me/&lt;channel&gt;</c>. A public channel's members are not known to the bot, so it has no flyer campaigns.
/// </summary>
public static class TelegramJoin
{
    public const string PublicChannelProblem = "A Telegram public channel cannot tell who joined it: make QR campaigns on a channel of the bot (without a public channel).";

    public const string NoBotProblem = "Set the bot's username first: the flyers' QR codes open the bot.";

    public static ChannelJoin For(JoinRequest request)
    {
        var settings = request.Settings;
        if (Name(settings.GetValueOrDefault(TelegramChannel.ChannelUsername)) is { } channel)
        {
            var link = request.TopicKey is null && request.Campaign is null ? "https://t.me/" + Uri.EscapeDataString(channel) : null;
            return new ChannelJoin(JoinKind.JoinChannel, link, "@" + channel);
        }

        var bot = Name(settings.GetValueOrDefault(TelegramChannel.BotUsername));
        // The bot's commands (/start, /stop) unless the channel has others.
        var commands = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [InboundSettings.SubscribeKeywords] = settings.GetValueOrDefault(InboundSettings.SubscribeKeywords) is { Length: > 0 } s ? s : TelegramChannel.DefaultSubscribeKeywords,
            [InboundSettings.UnsubscribeKeywords] = settings.GetValueOrDefault(InboundSettings.UnsubscribeKeywords) is { Length: > 0 } u ? u : TelegramChannel.DefaultUnsubscribeKeywords,
        };
        var start = Keywords.Display(commands, InboundSettings.SubscribeKeywords, request.Language, request.OrganizationLanguages);
        var stop = Keywords.Display(commands, InboundSettings.UnsubscribeKeywords, request.Language, request.OrganizationLanguages);
        // Without a flyer's campaign the link is the website's own (c-website), as WeChat's website QR code is: the office
        // sees who came from the public pages.
        var deepLink = bot is null ? null : TelegramDeepLink.Build(bot, request.TopicKey, request.Campaign ?? (request.TopicKey is null ? Piazza.Campaigns.FlyerCampaign.WebsiteScene : null));
        return new ChannelJoin(JoinKind.StartBot, deepLink, bot is null ? null : "@" + bot, start, stop);
    }

    /// <summary>A flyer's deep link needs the bot, and a public channel has none.</summary>
    public static string? CampaignProblem(IReadOnlyDictionary<string, string> settings) =>
        Name(settings.GetValueOrDefault(TelegramChannel.ChannelUsername)) is not null ? PublicChannelProblem
        : Name(settings.GetValueOrDefault(TelegramChannel.BotUsername)) is null ? NoBotProblem
        : null;

    private static string? Name(string? value) => value?.Trim().TrimStart('@') is { Length: > 0 } name ? name : null;
}
