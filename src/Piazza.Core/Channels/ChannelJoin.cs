namespace Piazza.Channels;

/// <summary>How a citizen joins a channel.</summary>
public enum JoinKind
{
    /// <summary>Save the number and send the subscribe keyword (WhatsApp).</summary>
    SendKeyword = 0,

    /// <summary>Open the bot and press Start (Telegram bot).</summary>
    StartBot = 1,

    /// <summary>Join a public channel (Telegram channel).</summary>
    JoinChannel = 2,

    /// <summary>Follow the account, found by its ID or by scanning its QR code (WeChat).</summary>
    FollowAccount = 3,

    /// <summary>Follow a public profile (Facebook page, X, Mastodon).</summary>
    FollowProfile = 4,
}

/// <summary>What a citizen needs to join one channel, in one language: what a flyer and the subscribe page print.</summary>
/// <param name="Kind">How one joins it.</param>
/// <param name="Link">The join link, which the QR code encodes (wa.me with the keyword prefilled, a t.me deep link, the WeChat
/// scene QR code's URL, the profile's address); null when there is none (a WhatsApp channel without its public number, a
/// WeChat account whose website QR code is not made yet).</param>
/// <param name="Handle">What to save or search for: the phone number, the bot's or channel's @name, the WeChat ID, the
/// profile's address; null when not set.</param>
/// <param name="Keyword">The message to send (WhatsApp: the subscribe keyword, with a flyer's code after it), or the
/// command (Telegram: /start); null when one only follows.</param>
/// <param name="LeaveKeyword">The message that leaves (DISATTIVA ISCRIZIONE, /stop); null when one unfollows.</param>
public sealed record ChannelJoin(JoinKind Kind, string? Link, string? Handle, string? Keyword = null, string? LeaveKeyword = null);

/// <summary>What a platform's join piece is given.</summary>
/// <param name="Settings">The channel's settings.</param>
/// <param name="Language">The language the citizen reads (the keyword is in it).</param>
/// <param name="OrganizationLanguages">The organization's languages in order (fallbacks for the keyword).</param>
/// <param name="TopicKey">A topic the link subscribes to (Telegram and WhatsApp flyers), or null.</param>
/// <param name="Campaign">A flyer campaign's scene the link carries, or null.</param>
/// <param name="CampaignLink">The link the platform gave the campaign (WeChat's parameter QR code URL), or null.</param>
public sealed record JoinRequest(
    IReadOnlyDictionary<string, string> Settings, string Language, IReadOnlyList<string> OrganizationLanguages,
    string? TopicKey = null, string? Campaign = null, string? CampaignLink = null);
