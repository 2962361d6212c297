using Piazza.Tenancy;

namespace Piazza.Topics;

/// <summary>A subject citizens subscribe to: civil protection, water, traffic, schools…</summary>
public sealed class Topic : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    /// <summary>Stable key, lower-case letters, digits and dashes (e.g. civil-protection).</summary>
    public required string Key { get; set; }

    /// <summary>The office that writes for this topic and receives its reports (optional).</summary>
    public Guid? OfficeId { get; set; }

    public bool IsActive { get; set; } = true;

    public DateTime CreatedAt { get; set; }

    public List<TopicName> Names { get; set; } = [];

    /// <summary>The name in <paramref name="language"/>, else the first name available.</summary>
    public string NameIn(string language) =>
        Names.FirstOrDefault(n => string.Equals(n.Language, language, StringComparison.OrdinalIgnoreCase))?.Name
        ?? Names.OrderBy(n => n.Language, StringComparer.Ordinal).FirstOrDefault()?.Name
        ?? Key;
}

/// <summary>A topic's name in one language.</summary>
public sealed class TopicName : IOrgOwned
{
    public Guid OrganizationId { get; set; }

    public Guid TopicId { get; set; }

    public required string Language { get; set; }

    public required string Name { get; set; }
}
