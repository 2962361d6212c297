using Piazza.Posts;

namespace Piazza.Channels;

/// <summary>
/// Sends bulletins to one platform. Each platform's folder in Piazza.Channels implements it against the platform's
/// real API (base URL from the channel's settings; a sandbox channel points the same code at Piazza's simulator).
/// The dispatcher calls <see cref="SendAsync"/> once per delivery, at the channel's rate limit, and decides what to do
/// with the result: retry later, pause the channel, or give up.
/// </summary>
public interface IChannelAdapter
{
    /// <summary>The platform this adapter speaks; null for the recording adapter, which stands in for any platform
    /// (in tests, in the benchmark, and for sandbox channels whose platform has no simulator yet).</summary>
    ChannelKind? Kind { get; }

    /// <summary>True when Piazza has a simulator of this platform that sandbox channels talk to.</summary>
    bool HasSimulator => false;

    /// <summary>Sends one message. Never throws for a platform's answer: it maps it to a <see cref="SendResult"/>
    /// (an exception is treated as a transient failure).</summary>
    Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct);

    /// <summary>Answers a person who just wrote to the channel (a keyword's confirmation, the out-of-hours reply), as
    /// plain text. Platforms without replies answer Permanent.</summary>
    Task<SendResult> ReplyAsync(ChannelAccount channel, string address, string text, CancellationToken ct) =>
        Task.FromResult<SendResult>(new SendResult.Permanent("This platform takes no replies."));
}

/// <summary>A channel's account, as an adapter needs it: settings and decrypted secrets.</summary>
/// <param name="Id">The channel's id.</param>
/// <param name="OrganizationId">Its organization.</param>
/// <param name="Kind">Its platform.</param>
/// <param name="Name">Its name.</param>
/// <param name="IsSandbox">True when it talks to Piazza's simulator.</param>
/// <param name="Settings">Non-secret settings.</param>
/// <param name="Secrets">Decrypted secrets: never log or return them.</param>
public sealed record ChannelAccount(
    Guid Id, Guid OrganizationId, ChannelKind Kind, string Name, bool IsSandbox,
    IReadOnlyDictionary<string, string> Settings, IReadOnlyDictionary<string, string> Secrets)
{
    public string? Setting(string name) => Settings.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;

    public string? Secret(string name) => Secrets.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;
}

/// <summary>A bulletin's text in one language.</summary>
/// <param name="Language">BCP 47 tag.</param>
/// <param name="Title">The title.</param>
/// <param name="Markdown">The body, in Markdown; the adapter renders it in the platform's format.</param>
public sealed record BulletinText(string Language, string Title, string Markdown);

/// <summary>One message to send.</summary>
/// <param name="DeliveryId">The delivery's id.</param>
/// <param name="IdempotencyKey">Stable for the (bulletin, channel, subscriber): give it to platforms that de-duplicate.</param>
/// <param name="Channel">The channel's account.</param>
/// <param name="Address">The subscriber's address (phone number, OpenID, chat id), or null for the whole channel.</param>
/// <param name="SubscriberId">The subscriber's id, or 0 for the whole channel.</param>
/// <param name="Texts">The text to send: one language for a subscriber; for a whole channel, each of the channel's languages in order.</param>
/// <param name="PostId">The bulletin.</param>
/// <param name="TopicKey">The bulletin's topic key (e.g. allerta-meteo), for template or tag choices.</param>
/// <param name="Priority">Normal, urgent or emergency.</param>
/// <param name="Attempt">1 for the first try, 2 for the first retry…</param>
/// <param name="LastInboundAt">When the subscriber last wrote to the channel (UTC), if ever: WhatsApp allows free text
/// only within 24 hours of it.</param>
/// <param name="Group">For a post to one group of a channel's followers (<see cref="ChannelDefinition.AudienceGroups"/>):
/// the group, a language or "*".</param>
/// <param name="ToEveryone">True when the bulletin is for every subscriber of the channel, not only its topic's followers.</param>
public sealed record OutboundMessage(
    long DeliveryId, string IdempotencyKey, ChannelAccount Channel, string? Address, long SubscriberId,
    IReadOnlyList<BulletinText> Texts, Guid PostId, string TopicKey, PostPriority Priority, int Attempt, DateTime? LastInboundAt = null,
    string? Group = null, bool ToEveryone = false);

/// <summary>What a platform answered.</summary>
public abstract record SendResult
{
    /// <summary>Accepted. <paramref name="PlatformMessageId"/> matches later status callbacks.</summary>
    public sealed record Sent(string? PlatformMessageId) : SendResult;

    /// <summary>The platform's rate limit (HTTP 429, WhatsApp 130429 / 4 / 80007, Telegram retry_after): the whole
    /// channel pauses for <paramref name="RetryAfter"/> (or a default) and the message is tried again, not counted as a failure.</summary>
    public sealed record RateLimited(TimeSpan? RetryAfter, string Reason) : SendResult;

    /// <summary>A failure worth retrying (5xx, timeout, network): retried with exponential backoff; repeated ones open the channel's circuit.</summary>
    public sealed record Transient(string Reason, TimeSpan? RetryAfter = null) : SendResult;

    /// <summary>Not now for this recipient (WhatsApp 131056: too many messages to the same person): tried again after
    /// <paramref name="RetryAfter"/>; neither a failure of the platform nor an attempt.</summary>
    public sealed record Deferred(TimeSpan RetryAfter, string Reason) : SendResult;

    /// <summary>Will never succeed (invalid recipient, rejected content). <paramref name="RecipientGone"/>: the person
    /// blocked or left the account — they are unsubscribed.</summary>
    public sealed record Permanent(string Reason, bool RecipientGone = false) : SendResult;
}
