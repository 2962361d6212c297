using Piazza.Broadcast;
using Piazza.Channels;

namespace Piazza.Posts;

/// <summary>A bulletin in a list.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Title">Its title in the organization's first language (else any).</param>
/// <param name="TopicId">Its topic.</param>
/// <param name="Priority">Normal, Urgent or Emergency.</param>
/// <param name="State">Where it is in the workflow.</param>
/// <param name="ChannelIds">The channels it goes out on.</param>
/// <param name="Languages">The languages it has text in.</param>
/// <param name="AuthorName">Who wrote it.</param>
/// <param name="UpdatedAt">Last change (UTC).</param>
/// <param name="ScheduledFor">When it is or was to be sent (UTC).</param>
/// <param name="ReleasedAt">When it was released (UTC).</param>
public sealed record BulletinSummary(
    Guid Id, string Title, Guid TopicId, PostPriority Priority, PostState State, IReadOnlyList<Guid> ChannelIds, IReadOnlyList<string> Languages,
    string AuthorName, DateTime UpdatedAt, DateTime? ScheduledFor, DateTime? ReleasedAt);

/// <summary>A bulletin's text in one language.</summary>
/// <param name="Language">BCP 47 tag.</param>
/// <param name="Title">Title (at most 200 characters).</param>
/// <param name="Markdown">Body in Markdown.</param>
/// <param name="IsSource">True for the organization's first language, written by the author.</param>
/// <param name="Reviewed">For a translation: checked by a translator of the language since it last changed.</param>
/// <param name="ReviewedBy">Who checked it.</param>
/// <param name="ReviewedAt">When (UTC).</param>
/// <param name="UpdatedAt">Last change of the text (UTC).</param>
public sealed record BulletinBodyView(string Language, string Title, string Markdown, bool IsSource, bool Reviewed, string? ReviewedBy, DateTime? ReviewedAt, DateTime UpdatedAt);

/// <summary>One step of the workflow.</summary>
/// <param name="From">Previous state.</param>
/// <param name="To">New state.</param>
/// <param name="By">Who (e-mail, API key name, or "system").</param>
/// <param name="At">When (UTC).</param>
/// <param name="Note">What happened (e.g. the release's counts, an emergency override).</param>
public sealed record BulletinHistoryView(PostState From, PostState To, string? By, DateTime At, string? Note);

/// <summary>A bulletin with everything its page shows.</summary>
/// <param name="Id">Its id.</param>
/// <param name="TopicId">Its topic.</param>
/// <param name="Priority">Normal, Urgent or Emergency.</param>
/// <param name="Audience">TopicSubscribers or Everyone on the chosen channels.</param>
/// <param name="State">Where it is in the workflow.</param>
/// <param name="ChannelIds">The channels it goes out on.</param>
/// <param name="AuthorId">The user or API key that wrote it.</param>
/// <param name="AuthorName">Its name.</param>
/// <param name="ScheduledFor">When it is to be sent (UTC), once approved.</param>
/// <param name="ReleasedAt">When its deliveries were written (UTC).</param>
/// <param name="FinishedAt">When its last delivery ended (UTC).</param>
/// <param name="CreatedAt">Created (UTC).</param>
/// <param name="UpdatedAt">Last change (UTC).</param>
/// <param name="Bodies">Text per language, the organization's order.</param>
/// <param name="RequiredLanguages">Languages it must have: the organization's first and those its channels require.</param>
/// <param name="Blockers">What stops its approval now, by field (e.g. "bodies.zh": "This translation has not been reviewed yet."); empty when an approver (not the author) may approve it.</param>
/// <param name="History">Its workflow, oldest first.</param>
/// <param name="Quotas">Before it is sent: the platforms' quotas on its channels (WeChat's mass sends), what is used and whether it fits.</param>
/// <param name="ExpiresAt">Until when it is current (UTC), if it says; an emergency stays pinned on the public site until then.</param>
public sealed record BulletinView(
    Guid Id, Guid TopicId, PostPriority Priority, PostAudience Audience, PostState State, IReadOnlyList<Guid> ChannelIds,
    Guid AuthorId, string AuthorName, DateTime? ScheduledFor, DateTime? ReleasedAt, DateTime? FinishedAt, DateTime CreatedAt, DateTime UpdatedAt,
    IReadOnlyList<BulletinBodyView> Bodies, IReadOnlyList<string> RequiredLanguages, IReadOnlyDictionary<string, string[]> Blockers,
    IReadOnlyList<BulletinHistoryView> History, IReadOnlyList<QuotaCheck>? Quotas = null, DateTime? ExpiresAt = null);

/// <summary>A bulletin's title and text in one language.</summary>
/// <param name="Title">At most 200 characters.</param>
/// <param name="Markdown">At most 20,000 characters of Markdown.</param>
public sealed record BodyInput(string? Title, string? Markdown);

/// <summary>The fields of a bulletin that its author sets.</summary>
/// <param name="TopicId">Required: the topic.</param>
/// <param name="Priority">Normal (default), Urgent or Emergency.</param>
/// <param name="Audience">TopicSubscribers (default) or Everyone on the chosen channels.</param>
/// <param name="ChannelIds">The channels to publish on (at least one before it is sent for translation).</param>
/// <param name="Bodies">Text per language; languages not mentioned keep their text (an empty title and body removes a translation).</param>
/// <param name="ExpiresAt">Optional: until when it is current (UTC, in the future, at most a year ahead). An emergency stays
/// pinned at the top of the public site until then (without it, for a day after it is published).</param>
public sealed record BulletinInput(
    Guid? TopicId, PostPriority Priority = PostPriority.Normal, PostAudience Audience = PostAudience.TopicSubscribers,
    IReadOnlyList<Guid>? ChannelIds = null, IReadOnlyDictionary<string, BodyInput>? Bodies = null, DateTime? ExpiresAt = null);

/// <summary>A new end of a bulletin's currency, also after it was sent (an alert is over).</summary>
/// <param name="ExpiresAt">Until when it is current (UTC, at most a year ahead); a time already past ends it now; null: no end
/// (an emergency then stays pinned for a day after it was published).</param>
public sealed record ExpiryInput(DateTime? ExpiresAt = null);

/// <summary>An approval.</summary>
/// <param name="SendAt">When to send (UTC); null or past means now.</param>
public sealed record ApprovalInput(DateTime? SendAt = null);

/// <summary>Why a bulletin is withdrawn or sent back.</summary>
/// <param name="Note">A short explanation, kept in its history.</param>
public sealed record NoteInput(string? Note = null);

/// <summary>Deliveries of a bulletin by state.</summary>
/// <param name="Queued">Waiting (possibly for the service hours or a retry).</param>
/// <param name="Sending">In flight.</param>
/// <param name="Sent">Accepted by the platform.</param>
/// <param name="Delivered">Reached the phone.</param>
/// <param name="Read">Read.</param>
/// <param name="Failed">Failed for good.</param>
/// <param name="Skipped">Not sent: the subscriber had reached the monthly cap.</param>
/// <param name="Cancelled">Not sent: cancelled, or the subscriber left.</param>
public sealed record DeliveryCounts(int Queued, int Sending, int Sent, int Delivered, int Read, int Failed, int Skipped, int Cancelled)
{
    /// <summary>All deliveries.</summary>
    public int Total => Queued + Sending + Sent + Delivered + Read + Failed + Skipped + Cancelled;

    /// <summary>Handed to the platform (sent, delivered or read).</summary>
    public int Accepted => Sent + Delivered + Read;

    /// <summary>Ended one way or another.</summary>
    public int Done => Total - Queued - Sending;

    public static DeliveryCounts From(IReadOnlyDictionary<DeliveryState, int> c) => new(
        c.GetValueOrDefault(DeliveryState.Queued), c.GetValueOrDefault(DeliveryState.Sending), c.GetValueOrDefault(DeliveryState.Sent),
        c.GetValueOrDefault(DeliveryState.Delivered), c.GetValueOrDefault(DeliveryState.Read), c.GetValueOrDefault(DeliveryState.Failed),
        c.GetValueOrDefault(DeliveryState.Skipped), c.GetValueOrDefault(DeliveryState.Cancelled));
}

/// <summary>Progress of one channel.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">Its platform.</param>
/// <param name="Counts">Its deliveries by state.</param>
public sealed record ChannelProgress(Guid ChannelId, string Name, ChannelKind Kind, DeliveryCounts Counts);

/// <summary>Where a bulletin's sending stands.</summary>
/// <param name="PostId">The bulletin.</param>
/// <param name="State">Its workflow state.</param>
/// <param name="Counts">All its deliveries by state.</param>
/// <param name="Channels">The same per channel.</param>
/// <param name="At">When the counts were read (UTC): two readings give the rate.</param>
/// <param name="WaitingUntil">While sending with nothing in flight: when the next queued message is due (UTC), if
/// later than now (the channel's service hours, the citizens' quiet hours, or a retry after an error).</param>
public sealed record BulletinProgress(Guid PostId, PostState State, DeliveryCounts Counts, IReadOnlyList<ChannelProgress> Channels, DateTime At, DateTime? WaitingUntil = null);

/// <summary>One delivery, without personal data.</summary>
/// <param name="Id">Its id.</param>
/// <param name="ChannelId">The channel.</param>
/// <param name="SubscriberId">The subscriber, or 0 for a post to the whole channel.</param>
/// <param name="MaskedAddress">The subscriber's address with most characters hidden.</param>
/// <param name="Language">The language sent.</param>
/// <param name="State">Its state.</param>
/// <param name="Attempts">Tries so far.</param>
/// <param name="SentAt">Accepted by the platform (UTC).</param>
/// <param name="DeliveredAt">Reached the phone (UTC).</param>
/// <param name="ReadAt">Read (UTC).</param>
/// <param name="Error">Why it failed, was skipped or cancelled, or the last error before a retry.</param>
public sealed record DeliveryView(
    long Id, Guid ChannelId, long SubscriberId, string? MaskedAddress, string Language, DeliveryState State, int Attempts,
    DateTime? SentAt, DateTime? DeliveredAt, DateTime? ReadAt, string? Error);

/// <summary>Who a bulletin would reach now.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="Subscribers">Active subscribers it would reach (for a whole-channel post: the followers Piazza knows; the platform delivers to them).</param>
/// <param name="WholeChannel">True when one post reaches the whole channel.</param>
/// <param name="ByLanguage">Those subscribers by their first language.</param>
public sealed record AudienceEstimate(Guid ChannelId, int Subscribers, bool WholeChannel, IReadOnlyDictionary<string, int> ByLanguage);
