using Piazza.Tenancy;

namespace Piazza.Organizations;

/// <summary>A municipality (Comune). One deployment serves several; every other row belongs to one.</summary>
public sealed class Organization : IOrgOwned
{
    public Guid Id { get; set; }

    /// <summary>Mirrors <see cref="Id"/> so the tenant filter applies to the organization row too.</summary>
    public Guid OrganizationId { get => Id; set => Id = value; }

    public required string Name { get; set; }

    /// <summary>URL-safe short name, unique across the deployment (used by the public site).</summary>
    public required string Slug { get; set; }

    /// <summary>IANA time zone, e.g. Europe/Rome.</summary>
    public string TimeZone { get; set; } = "Europe/Rome";

    /// <summary>Resident population, used for reach ("share of residents reached").</summary>
    public int Population { get; set; }

    /// <summary>Target population per community, e.g. Chinese-speaking residents. Used for reach.</summary>
    public List<PopulationGroup> PopulationGroups { get; set; } = [];

    public List<OrganizationLanguage> Languages { get; set; } = [];

    public DateTime CreatedAt { get; set; }
}

/// <summary>A language the organization publishes in. <see cref="Position"/> gives the fallback order (0 = first).</summary>
public sealed class OrganizationLanguage : IOrgOwned
{
    public Guid OrganizationId { get; set; }

    /// <summary>BCP 47 language tag, e.g. it, zh, zh-Hans, en, ar.</summary>
    public required string Tag { get; set; }

    public int Position { get; set; }
}

/// <summary>A part of the population that the organization wants to reach, e.g. "Chinese community" = 20,000.</summary>
public sealed class PopulationGroup : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public required string Name { get; set; }

    /// <summary>Language the group mostly reads (BCP 47), if any.</summary>
    public string? Language { get; set; }

    public int Size { get; set; }
}
