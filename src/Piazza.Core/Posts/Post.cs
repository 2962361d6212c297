using Piazza.Tenancy;

namespace Piazza.Posts;

public enum PostPriority
{
    Normal = 0,
    Urgent = 1,
    Emergency = 2,
}

public enum PostState
{
    Draft = 0,
    InTranslation = 1,
    InReview = 2,
    Approved = 3,
    Scheduled = 4,
    Sending = 5,
    Sent = 6,
    PartlyFailed = 7,
    Cancelled = 8,
}

/// <summary>A bulletin: written once, with a Markdown body per language, published on several channels.</summary>
public sealed class Post : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid TopicId { get; set; }

    public Guid? OfficeId { get; set; }

    public PostPriority Priority { get; set; }

    public PostState State { get; set; }

    public Guid AuthorId { get; set; }

    public Guid? ApproverId { get; set; }

    public DateTime? ScheduledFor { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public List<PostBody> Bodies { get; set; } = [];

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

    public Guid? ReviewedById { get; set; }

    public DateTime? ReviewedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
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

    public DateTime At { get; set; }

    public string? Note { get; set; }
}
