namespace Piazza.Tenancy;

/// <summary>A row that belongs to exactly one organization. The DbContext filters every query on it.</summary>
public interface IOrgOwned
{
    Guid OrganizationId { get; set; }
}
