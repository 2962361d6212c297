using Piazza.Tenancy;

namespace Piazza.Comments;

/// <summary>
/// A comment a follower left on a published bulletin (a WeChat article), read from the platform. Staff can reply or
/// hide it; each such action is audited. The author's id is personal data.
/// </summary>
public sealed class BulletinComment : IOrgOwned
{
    public long Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid ChannelId { get; set; }

    public Guid PostId { get; set; }

    /// <summary>The article's key on the platform (WeChat msg_data_id) and its index in the message.</summary>
    public required string ArticleId { get; set; }

    public int ArticleIndex { get; set; }

    /// <summary>The platform's id of the comment (WeChat user_comment_id).</summary>
    public required string PlatformCommentId { get; set; }

    /// <summary>Who wrote it (OpenID). Personal data.</summary>
    public required string Author { get; set; }

    public string Text { get; set; } = string.Empty;

    public DateTime WrittenAt { get; set; }

    /// <summary>Shown publicly under the article (WeChat: "elected"); hiding clears it.</summary>
    public bool Shown { get; set; }

    public bool Hidden { get; set; }

    public string? Reply { get; set; }

    public DateTime? RepliedAt { get; set; }

    public string? RepliedBy { get; set; }

    public DateTime ReadAt { get; set; }
}
