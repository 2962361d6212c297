using Piazza.Tenancy;

namespace Piazza.Offices;

/// <summary>An office of the municipality: communication, immigration, civil protection, schools…</summary>
public sealed class Office : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public required string Name { get; set; }

    /// <summary>Public contact e-mail of the office (optional).</summary>
    public string? Email { get; set; }

    public DateTime CreatedAt { get; set; }
}
