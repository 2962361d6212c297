using Piazza.Tenancy;

namespace Piazza.Inbound;

/// <summary>Where a message from a citizen stands.</summary>
public enum InboundState
{
    /// <summary>Stored by the webhook, not handled yet.</summary>
    Pending = 0,

    /// <summary>A keyword, answered automatically.</summary>
    Handled = 1,

    /// <summary>Anything else: kept for the staff to read.</summary>
    Kept = 2,
}

/// <summary>What a message was taken for.</summary>
public enum InboundKind
{
    Other = 0,
    Subscribe = 1,
    Unsubscribe = 2,
    Topics = 3,
    TopicsChoice = 4,

    /// <summary>Followed the account (WeChat) or started the bot.</summary>
    Follow = 5,

    /// <summary>Unfollowed the account or blocked the bot.</summary>
    Unfollow = 6,

    /// <summary>An entry of the channel's auto-reply menu (keyword or menu click), answered automatically.</summary>
    AutoReply = 7,

    /// <summary>An existing follower scanned a flyer's QR code.</summary>
    Scan = 8,
}

/// <summary>
/// A message a citizen sent to one of the organization's channels. The webhook stores it (once: the platform's message id
/// is unique per channel, so the platform's retries change nothing) and answers at once; <see cref="InboundProcessor"/>
/// handles it: keywords subscribe, unsubscribe and choose topics; anything else is kept for the staff. The address and
/// the text are personal data.
/// </summary>
public sealed class InboundMessage : IOrgOwned
{
    public long Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid ChannelId { get; set; }

    /// <summary>The platform's id of the message (WhatsApp wamid, WeChat MsgId…).</summary>
    public required string PlatformMessageId { get; set; }

    /// <summary>Who wrote: E.164 phone number, OpenID, chat id.</summary>
    public required string Address { get; set; }

    /// <summary>The profile name the platform gave, if any.</summary>
    public string? DisplayName { get; set; }

    /// <summary>For an event rather than a message (WeChat): "subscribe" (a follow), "unsubscribe", "SCAN", "CLICK".</summary>
    public string? Event { get; set; }

    /// <summary>The event's key: the scene of the flyer QR code of a follow or a scan, the menu entry of a click. For a
    /// Telegram message: the <c>language_code</c> of the sender's app (it chooses the language of a command's answer).</summary>
    public string? EventKey { get; set; }

    /// <summary>The text (for other kinds of message, a short description such as "[image]").</summary>
    public string Text { get; set; } = string.Empty;

    /// <summary>When the person sent it, by the platform's clock (UTC).</summary>
    public DateTime SentAt { get; set; }

    /// <summary>When Piazza received it (UTC).</summary>
    public DateTime ReceivedAt { get; set; }

    public InboundState State { get; set; }

    public InboundKind Kind { get; set; }

    /// <summary>The subscriber it came from or created, if any.</summary>
    public long? SubscriberId { get; set; }

    /// <summary>True when it was answered with the out-of-hours reply (at most one a day per person).</summary>
    public bool RepliedOutOfHours { get; set; }

    /// <summary>What Piazza did with it, for the staff.</summary>
    public string? Note { get; set; }
}
