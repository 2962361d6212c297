using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Piazza.Audit;
using Piazza.Channels;
using Piazza.Channels.Telegram;
using Piazza.Channels.Telegram.Simulator;
using Piazza.Common;
using Piazza.Server.Hooks;
using Piazza.Topics;

namespace Piazza.Server.Sandbox;

/// <summary>A person on Telegram, as the citizen phone plays them.</summary>
/// <param name="Name">Their first name in Telegram.</param>
/// <param name="Language">Their app's language: it, zh or en.</param>
/// <param name="ChatId">Their user id, which is also their private chat's id with any bot.</param>
public sealed record TelegramPerson(string Name, string Language, long ChatId);

/// <summary>A topic of the organization and the deep link that subscribes to it through the bot.</summary>
public sealed record TelegramTopicLink(string Key, string Name, string Link);

/// <summary>What the citizen phone shows of a sandbox Telegram channel: the person's chat with the bot, or, for a channel
/// that posts to a public channel (<c>channelUsername</c>), that channel's posts as any member sees them.</summary>
/// <param name="PublicChannel">The public channel's @name, when the channel posts there.</param>
/// <param name="Blocked">True while the person has blocked the bot.</param>
/// <param name="Messages">The chat with the bot, or the public channel's posts, oldest first.</param>
/// <param name="TopicLinks">Deep links to the bot, one per active topic.</param>
/// <param name="RecentChats">People who wrote to the bot in the simulator, the most recent first.</param>
/// <param name="Topics">The topics the public channel publishes (names), empty for all.</param>
public sealed record TelegramPhoneView(
    ChannelView Channel, string? BotUsername, string? PublicChannel, TelegramPerson Person, bool Blocked, IReadOnlyList<TelegramSimMessage> Messages,
    IReadOnlyList<TelegramTopicLink> TopicLinks, IReadOnlyList<TelegramSimChat> RecentChats, IReadOnlyList<string> Topics);

/// <summary>
/// The citizen phone as a Telegram user of one of the organization's sandbox Telegram channels: write to its bot
/// (<c>/start</c>, <c>/topics</c>, numbers, <c>/stop</c>, any text), open a deep link <c>https://t.me/&lt;bot&gt;?start=…</c>,
/// block the bot; or read its public channel. Every action goes the real way: the simulator posts Telegram's update, with
/// the channel's secret token, to <c>/hooks/telegram/{id}</c>; the webhook, the inbound processor and the reply through the
/// adapter back to the simulator run as in production. Only for staff who manage channels, only on sandbox channels.
/// </summary>
public sealed class TelegramPhone(ChannelService channels, TopicService topics, HookChannels hooks, TelegramSandboxBots bots, TelegramSimulator simulator, IActor actor)
{
    /// <summary>The person the page plays first.</summary>
    public const string DefaultPerson = "Giulia Rossi";

    /// <summary>The longest text a person may write (Telegram's own limit).</summary>
    public const int MaxText = 4096;

    /// <summary>The largest user id Telegram hands out (52 bits).</summary>
    public const long MaxChatId = (1L << 52) - 1;

    /// <summary>The app languages a person may have.</summary>
    public static readonly IReadOnlyList<string> AppLanguages = ["it", "zh", "en"];

    /// <summary>The chat id of a name, when none is chosen: the same name is the same person on every bot, as a user id is.
    /// (6,000,000,000 + a hash of the name: far from the ids of the demo's subscribers.)</summary>
    public static long ChatIdOf(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name.Trim().ToLowerInvariant()));
        return 6_000_000_000 + (long)(BitConverter.ToUInt64(hash, 0) % 1_000_000_000);
    }

    /// <summary>A chat id written by staff: a whole number from 1 to <see cref="MaxChatId"/>; null otherwise.</summary>
    public static long? ParseChatId(string? text) =>
        long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id is >= 1 and <= MaxChatId ? id : null;

    /// <summary>The person of a name, an app language (it when not one of <see cref="AppLanguages"/>) and a chat id (derived
    /// from the name when empty); or why there is none.</summary>
    public static (TelegramPerson? Person, string? Problem) PersonOf(string? name, string? language, string? chat)
    {
        if (SandboxPhone.NormalizeFollower(name) is not { } clean)
        {
            return (null, "A name has letters, digits and spaces (at most 40).");
        }

        long? chatId = string.IsNullOrWhiteSpace(chat) ? ChatIdOf(clean) : ParseChatId(chat);
        if (chatId is null)
        {
            return (null, "A chat id is a whole number from 1 to 4503599627370495.");
        }

        var lang = language?.Trim().ToLowerInvariant() is { } l && AppLanguages.Contains(l) ? l : "it";
        return (new TelegramPerson(clean, lang, chatId.Value), null);
    }

    /// <summary>The language code the app sends for a language (Telegram's apps send "zh-hans" for simplified Chinese).</summary>
    public static string LanguageCode(string language) => language == "zh" ? "zh-hans" : language;

    /// <summary>The organization's sandbox Telegram channel, and the person's chat with its bot (or its public channel's posts).</summary>
    public async Task<TelegramPhoneView> ViewAsync(Guid channelId, TelegramPerson person, CancellationToken ct)
    {
        var (channel, account) = await SandboxAsync(channelId, ct);
        var active = (await topics.ListAsync(ct)).Where(t => t.IsActive).ToList();
        return View(channel, account, person, active);
    }

    /// <summary>The person writes to the bot: the update reaches the channel's webhook with the secret token.</summary>
    public async Task WriteAsync(Guid channelId, TelegramPerson person, string? text, CancellationToken ct)
    {
        new Validation()
            .When(string.IsNullOrWhiteSpace(text), "text", "Write a message.")
            .When(text is { Length: > MaxText }, "text", "The message is too long (at most 4096 characters).")
            .ThrowIfInvalid();
        var (_, account) = await BotAsync(channelId, ct);
        await PostedAsync(await bots.CitizenWritesAsync(account, person.ChatId, person.Name, LanguageCode(person.Language), text!.Trim(), ct));
    }

    /// <summary>The person opens a deep link to the bot (pasted, or built from a topic and a campaign) and presses Start:
    /// the app sends <c>/start &lt;payload&gt;</c>.</summary>
    public async Task OpenLinkAsync(Guid channelId, TelegramPerson person, string? link, string? topicKey, string? campaign, CancellationToken ct)
    {
        var (_, account) = await BotAsync(channelId, ct);
        var bot = account.Setting(TelegramChannel.BotUsername) ?? string.Empty;
        string? payloadLink;
        if (!string.IsNullOrWhiteSpace(link))
        {
            var parsed = TelegramDeepLink.Parse(link.Trim());
            if (parsed is null)
            {
                throw ValidationFailedException.For("link", "This is not a Telegram start link such as https://t.me/<bot>?start=t-<topic>_c-<campaign>.");
            }

            if (!string.Equals(parsed.Value.Bot, bot, StringComparison.OrdinalIgnoreCase))
            {
                throw ValidationFailedException.For("link", "This link opens another bot, not this channel's.");
            }

            payloadLink = link.Trim();
        }
        else
        {
            var key = string.IsNullOrWhiteSpace(topicKey) ? null : topicKey.Trim();
            var flyer = string.IsNullOrWhiteSpace(campaign) ? null : campaign.Trim();
            if (key is null && flyer is null)
            {
                throw ValidationFailedException.For("link", "Paste a link, or choose a topic or a campaign.");
            }

            payloadLink = TelegramDeepLink.Build(bot, key, flyer)
                ?? throw ValidationFailedException.For("campaign", "A campaign has letters, digits, - and _, and fits the link (64 characters with the topic).");
        }

        // What Telegram's app sends when the person presses Start under the link: "/start <payload>".
        var payload = payloadLink[(payloadLink.IndexOf("start=", StringComparison.Ordinal) + "start=".Length)..].Split('&')[0];
        await PostedAsync(await bots.CitizenWritesAsync(account, person.ChatId, person.Name, LanguageCode(person.Language), "/start " + payload, ct));
    }

    /// <summary>The person blocks the bot: Telegram tells the bot (<c>my_chat_member</c>, kicked).</summary>
    public async Task BlockAsync(Guid channelId, TelegramPerson person, CancellationToken ct)
    {
        var (_, account) = await BotAsync(channelId, ct);
        if (simulator.ChatInfo(channelId, person.ChatId) is not { Blocked: false })
        {
            throw new ConflictException("Write to the bot first: there is no chat to block.");
        }

        await PostedAsync(await bots.BlockAsync(account, person.ChatId, ct));
    }

    private TelegramPhoneView View(ChannelView channel, ChannelAccount account, TelegramPerson person, IReadOnlyList<TopicView> active)
    {
        var language = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName;
        var bot = account.Setting(TelegramChannel.BotUsername);
        var publicChannel = account.Setting(TelegramChannel.ChannelUsername) is { Length: > 0 } username ? "@" + username.TrimStart('@') : null;
        if (publicChannel is not null)
        {
            var themes = ChannelTopics.Of(account.Settings)
                .Select(k => active.FirstOrDefault(t => t.Key == k)?.NameIn(language) ?? k).ToList();
            return new TelegramPhoneView(channel, bot, publicChannel, person, false, simulator.ChannelPosts(channel.Id), [], [], themes);
        }

        var links = bot is null
            ? []
            : active.Select(t => TelegramDeepLink.Build(bot, t.Key, null) is { } link ? new TelegramTopicLink(t.Key, t.NameIn(language), link) : null)
                .OfType<TelegramTopicLink>().ToList();
        return new TelegramPhoneView(
            channel, bot, null, person, simulator.ChatInfo(channel.Id, person.ChatId)?.Blocked ?? false, simulator.Messages(channel.Id, person.ChatId),
            links, simulator.RecentChats(channel.Id, 20), []);
    }

    private static Task PostedAsync(int status) =>
        status == StatusCodes.Status200OK ? Task.CompletedTask : throw new ConflictException("The channel's webhook refused the update.");

    private async Task<(ChannelView Channel, ChannelAccount Account)> BotAsync(Guid channelId, CancellationToken ct)
    {
        var (channel, account) = await SandboxAsync(channelId, ct);
        if (account.Setting(TelegramChannel.ChannelUsername) is { Length: > 0 })
        {
            throw new ConflictException("This channel posts to a public Telegram channel: its members read it, they do not write to it.");
        }

        return (channel, account);
    }

    /// <summary>One of the organization's sandbox Telegram channels (else 404), its account with secrets, and the
    /// simulator told about its subscribers' chats before the phone first talks to it.</summary>
    private async Task<(ChannelView Channel, ChannelAccount Account)> SandboxAsync(Guid channelId, CancellationToken ct)
    {
        if (!actor.HasScope(Scopes.ChannelsWrite))
        {
            throw new ForbiddenException("Playing a citizen on a sandbox channel needs the permission to manage channels.");
        }

        var channel = await channels.GetAsync(channelId, ct);
        if (channel is not { IsSandbox: true, Kind: ChannelKind.Telegram })
        {
            throw new NotFoundException("channel", channelId.ToString());
        }

        var snapshot = await hooks.FindAsync(channelId, ChannelKind.Telegram, ct) ?? throw new ConflictException("The channel is not active.");
        if (!simulator.Knows(channelId))
        {
            // Else the bot would meet the phone first and never learn the chats of the channel's subscribers.
            await bots.LearnAsync(snapshot.Account, ct);
        }

        return (channel, snapshot.Account);
    }
}
