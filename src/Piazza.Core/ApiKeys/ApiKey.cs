using Piazza.Tenancy;

namespace Piazza.ApiKeys;

/// <summary>A per-organization key for the HTTP API. Only a SHA-256 hash of the key is stored.</summary>
public sealed class ApiKey : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public required string Name { get; set; }

    /// <summary>The first characters of the key, shown to tell keys apart (e.g. pz_4f3a…).</summary>
    public required string Prefix { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public required string Hash { get; set; }

    /// <summary>Space-separated scopes, e.g. "topics:read topics:write".</summary>
    public required string Scopes { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}
