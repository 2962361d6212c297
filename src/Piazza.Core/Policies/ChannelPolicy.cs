using Piazza.Tenancy;

namespace Piazza.Policies;

/// <summary>
/// One published version of a channel's policy (its rules and privacy notice, like the written policy WhatsEmpoli
/// publishes for its channel: what is sent, how often, when the office answers, how to leave, what personal data is kept),
/// with its text in every language of the organization. Versions are numbered 1, 2, 3… per channel; a version is never
/// changed once published (a new one replaces it), so the text each subscriber agreed to stays readable. A consent records
/// the number of the version in force (<c>Subscriber.PolicyVersion</c>).
/// </summary>
public sealed class ChannelPolicy : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid ChannelId { get; set; }

    /// <summary>1 for the first version of the channel, then one more for each.</summary>
    public int Version { get; set; }

    public DateTime PublishedAt { get; set; }

    /// <summary>Who published it (e-mail or API key name).</summary>
    public string? PublishedBy { get; set; }

    /// <summary>What changed from the version before (for the staff and the list of versions), optional.</summary>
    public string? Note { get; set; }

    public List<ChannelPolicyText> Texts { get; set; } = [];
}

/// <summary>A policy version's text in one language (Markdown).</summary>
public sealed class ChannelPolicyText : IOrgOwned
{
    public Guid OrganizationId { get; set; }

    public Guid PolicyId { get; set; }

    public required string Language { get; set; }

    public required string Markdown { get; set; }
}
