using Piazza.Tenancy;

namespace Piazza.Audit;

public enum ActorKind
{
    User = 0,
    ApiKey = 1,
    System = 2,
    CommandLine = 3,
}

/// <summary>Who did what, when, to which object — including every read of a subscriber's personal data.</summary>
public sealed class AuditEntry : IOrgOwned
{
    public long Id { get; set; }

    public Guid OrganizationId { get; set; }

    public DateTime At { get; set; }

    public ActorKind ActorKind { get; set; }

    public string? ActorId { get; set; }

    public required string ActorName { get; set; }

    /// <summary>Dotted verb, e.g. topic.create, subscriber.personal-data.read.</summary>
    public required string Action { get; set; }

    public required string ObjectType { get; set; }

    public string? ObjectId { get; set; }

    /// <summary>Short human-readable detail; never a secret, never the personal data itself.</summary>
    public string? Detail { get; set; }

    public string? RemoteIp { get; set; }
}
