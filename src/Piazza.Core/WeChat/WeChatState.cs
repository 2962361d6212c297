using Piazza.Tenancy;

namespace Piazza.WeChat;

/// <summary>
/// The access token of one WeChat account. WeChat invalidates the previous token whenever a new one is fetched, so
/// the nodes share one row: whoever finds it expiring takes the refresh (<see cref="RefreshNode"/> until
/// <see cref="RefreshUntil"/>), the others wait for the new token. The token is encrypted like the channel's secrets.
/// </summary>
public sealed class WeChatToken
{
    public Guid ChannelId { get; set; }

    /// <summary>The token, encrypted (data protection, purpose of the channels' secrets); null before the first fetch.</summary>
    public string? Token { get; set; }

    /// <summary>When WeChat said it expires (UTC).</summary>
    public DateTime ExpiresAt { get; set; }

    /// <summary>The node fetching a new token, if one is.</summary>
    public string? RefreshNode { get; set; }

    /// <summary>Until when that node holds the refresh; after it another node may take it.</summary>
    public DateTime? RefreshUntil { get; set; }

    /// <summary>Incremented with every new token (a node that saw version n knows whether the token changed since).</summary>
    public int Version { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>A WeChat tag Piazza created on an account: the followers of one topic (or of every topic) in one language.
/// <see cref="Key"/> is Piazza's name for the group (e.g. "allerta-meteo:zh", "*:it"), <see cref="TagId"/> WeChat's.</summary>
public sealed class WeChatTag
{
    public Guid ChannelId { get; set; }

    public required string Key { get; set; }

    public int TagId { get; set; }

    /// <summary>The tag's name on WeChat (at most 30 characters, unique on the account).</summary>
    public required string Name { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>A follower Piazza has put in a tag on WeChat (what the account holds, as far as Piazza knows).</summary>
public sealed class WeChatTagMember
{
    public Guid ChannelId { get; set; }

    public int TagId { get; set; }

    public long SubscriberId { get; set; }
}

/// <summary>
/// One mass send WeChat accepted: the quota is counted from these, <c>MASSSENDJOBFINISH</c> completes them, and the
/// comments of an article are read by its <see cref="MsgDataId"/>.
/// </summary>
public sealed class WeChatMassSend : IOrgOwned
{
    public long Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid ChannelId { get; set; }

    public Guid PostId { get; set; }

    public long DeliveryId { get; set; }

    /// <summary>The tag it went to.</summary>
    public int TagId { get; set; }

    /// <summary>The followers' language it was for ("*" for every language).</summary>
    public required string Language { get; set; }

    /// <summary>WeChat's msg_id.</summary>
    public required string MsgId { get; set; }

    /// <summary>WeChat's msg_data_id (articles only): the key of the article's comments.</summary>
    public string? MsgDataId { get; set; }

    public DateTime SentAt { get; set; }

    /// <summary>Emergency sends still count against WeChat's quota.</summary>
    public bool Emergency { get; set; }

    /// <summary>"send success", "send fail" or "err(…)", from MASSSENDJOBFINISH.</summary>
    public string? Status { get; set; }

    public int? TotalCount { get; set; }

    public int? SentCount { get; set; }

    public int? ErrorCount { get; set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>When its comments were last read from WeChat.</summary>
    public DateTime? CommentsReadAt { get; set; }
}
