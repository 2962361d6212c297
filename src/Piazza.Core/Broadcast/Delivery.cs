using Piazza.Posts;

namespace Piazza.Broadcast;

/// <summary>Where one message of a bulletin is. One enum for the whole life of a delivery.</summary>
public enum DeliveryState
{
    /// <summary>Written by the fan-out, waiting to be claimed (possibly until <see cref="Delivery.DueAt"/>).</summary>
    Queued = 0,

    /// <summary>Claimed by a dispatcher that is sending it now.</summary>
    Sending = 1,

    /// <summary>Accepted by the platform.</summary>
    Sent = 2,

    /// <summary>The platform says it reached the phone.</summary>
    Delivered = 3,

    /// <summary>The platform says it was read.</summary>
    Read = 4,

    /// <summary>Not sent: a permanent error, or retries exhausted. <see cref="Delivery.Error"/> says why.</summary>
    Failed = 5,

    /// <summary>Not sent by the sending policy: the subscriber had reached the monthly cap. Counted, never silently dropped.</summary>
    Skipped = 6,

    /// <summary>Not sent: the bulletin was cancelled or the subscriber left before it went out.</summary>
    Cancelled = 7,
}

/// <summary>
/// One message of a bulletin to one subscriber on one channel, or to the whole channel for broadcast-style
/// channels (a Facebook page, a Telegram channel): then <see cref="SubscriberId"/> is 0.
/// The idempotency key is (<see cref="PostId"/>, <see cref="ChannelId"/>, <see cref="SubscriberId"/>), unique in the
/// table: releasing a bulletin twice cannot write a second delivery. Rows are written by the set-based fan-out and
/// moved by the dispatcher with SQL (<see cref="DeliveryStore"/>); EF reads them for the console.
/// </summary>
public sealed class Delivery
{
    public long Id { get; set; }

    public Guid PostId { get; set; }

    /// <summary>The bulletin (its organization limits who may see this delivery).</summary>
    public Post? Post { get; set; }

    public Guid ChannelId { get; set; }

    /// <summary>The subscriber, or 0 for a delivery to the whole channel.</summary>
    public long SubscriberId { get; set; }

    /// <summary>The language of the text this subscriber gets (their own, else the organization's fallback order).</summary>
    public required string Language { get; set; }

    public PostPriority Priority { get; set; }

    public DeliveryState State { get; set; }

    /// <summary>Not before this time (UTC): the next service window, or the next retry.</summary>
    public DateTime DueAt { get; set; }

    /// <summary>How many times a dispatcher has claimed it.</summary>
    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? SentAt { get; set; }

    public DateTime? DeliveredAt { get; set; }

    public DateTime? ReadAt { get; set; }

    /// <summary>The platform's id of the message (WhatsApp wamid, Telegram message id…), to match status callbacks.</summary>
    public string? PlatformMessageId { get; set; }

    /// <summary>The last error, or why it failed, was skipped or was cancelled.</summary>
    public string? Error { get; set; }

    /// <summary>The key platforms use to de-duplicate (Mastodon's Idempotency-Key, WeChat's clientmsgid).</summary>
    public static string IdempotencyKey(Guid postId, Guid channelId, long subscriberId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{postId:N}-{channelId:N}-{subscriberId}");
}

/// <summary>Which node is sending for a channel, until when. One node per channel keeps the channel's rate limit,
/// its circuit and its Retry-After pauses in one place; another node takes the channel over when the lease expires.</summary>
public sealed class ChannelLease
{
    public Guid ChannelId { get; set; }

    public required string Node { get; set; }

    public DateTime AcquiredAt { get; set; }

    public DateTime ExpiresAt { get; set; }
}
