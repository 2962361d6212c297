using Piazza.Tenancy;

namespace Piazza.Posts;

public enum PostPriority
{
    /// <summary>Routine: counted against the monthly cap, sent inside service hours and outside quiet hours.</summary>
    Normal = 0,

    /// <summary>Ahead of normal bulletins in every queue; still routine for the sending policy.</summary>
    Urgent = 1,

    /// <summary>Civil protection: first in every queue, and the sending policy (cap, service hours, quiet hours) does not apply.</summary>
    Emergency = 2,
}

/// <summary>Where a bulletin is in its workflow.</summary>
public enum PostState
{
    /// <summary>Being written by its author.</summary>
    Draft = 0,

    /// <summary>Sent for translation: mediators write and review the other languages.</summary>
    InTranslation = 1,

    /// <summary>Every translation is reviewed: waiting for an approver who is not the author.</summary>
    InReview = 2,

    /// <summary>Approved (a passing state: approval also schedules the bulletin).</summary>
    Approved = 3,

    /// <summary>Approved and waiting for its send time.</summary>
    Scheduled = 4,

    /// <summary>Released: its deliveries are being sent.</summary>
    Sending = 5,

    /// <summary>Every delivery was sent (or skipped by the sending policy).</summary>
    Sent = 6,

    /// <summary>Finished, but some deliveries failed.</summary>
    PartlyFailed = 7,

    /// <summary>Withdrawn before it was sent (deliveries still queued are cancelled).</summary>
    Cancelled = 8,
}

/// <summary>Who receives a bulletin on its per-person channels.</summary>
public enum PostAudience
{
    /// <summary>The subscribers of the chosen channels who follow the bulletin's topic.</summary>
    TopicSubscribers = 0,

    /// <summary>Every active subscriber of the chosen channels, whatever their topics.</summary>
    Everyone = 1,
}

/// <summary>A bulletin: written once, with a Markdown body per language, published on several channels.</summary>
public sealed class Post : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid TopicId { get; set; }

    public Guid? OfficeId { get; set; }

    public PostPriority Priority { get; set; }

    public PostAudience Audience { get; set; }

    public PostState State { get; set; }

    /// <summary>The staff member (or API key) who created it.</summary>
    public Guid AuthorId { get; set; }

    /// <summary>The author's name as shown in the workflow (e-mail of the user, name of the API key).</summary>
    public string AuthorName { get; set; } = string.Empty;

    public Guid? ApproverId { get; set; }

    /// <summary>When it should be released (UTC); set by the approval.</summary>
    public DateTime? ScheduledFor { get; set; }

    /// <summary>When its deliveries were written (UTC).</summary>
    public DateTime? ReleasedAt { get; set; }

    /// <summary>When the last delivery ended (UTC).</summary>
    public DateTime? FinishedAt { get; set; }

    /// <summary>Until when it is current (UTC), if it says: an emergency stays pinned at the top of the public site until
    /// then (without it, for a day after it was published: <c>PublicSite:EmergencyPinnedFor</c>).</summary>
    public DateTime? ExpiresAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public List<PostBody> Bodies { get; set; } = [];

    public List<PostChannel> Channels { get; set; } = [];

    public List<PostStateChange> History { get; set; } = [];
}

/// <summary>A bulletin's text in one language.</summary>
public sealed class PostBody : IOrgOwned
{
    public Guid OrganizationId { get; set; }

    public Guid PostId { get; set; }

    public required string Language { get; set; }

    public required string Title { get; set; }

    public required string Markdown { get; set; }

    public Guid? TranslatedById { get; set; }

    /// <summary>The translator of this language who checked the text; cleared when the text (or the source) changes.</summary>
    public Guid? ReviewedById { get; set; }

    public DateTime? ReviewedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>A channel a bulletin goes out on.</summary>
public sealed class PostChannel : IOrgOwned
{
    public Guid OrganizationId { get; set; }

    public Guid PostId { get; set; }

    public Guid ChannelId { get; set; }
}

/// <summary>One step of a bulletin's workflow: who moved it from which state to which, and when.</summary>
public sealed class PostStateChange : IOrgOwned
{
    public long Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid PostId { get; set; }

    public PostState From { get; set; }

    public PostState To { get; set; }

    public Guid? ByUserId { get; set; }

    /// <summary>Who, as shown on the bulletin's page (e-mail, API key name, "system").</summary>
    public string? ByName { get; set; }

    public DateTime At { get; set; }

    public string? Note { get; set; }
}
