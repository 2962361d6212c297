namespace Piazza.Tenancy;

/// <summary>
/// The organization the current request, job or command acts for. Scoped: one per request.
/// While <see cref="OrganizationId"/> is null, tenant-filtered queries return nothing.
/// </summary>
public sealed class TenantContext
{
    public Guid? OrganizationId { get; private set; }

    public void Set(Guid organizationId)
    {
        if (OrganizationId is { } current && current != organizationId)
        {
            throw new InvalidOperationException("The tenant of this scope is already set to another organization.");
        }

        OrganizationId = organizationId;
    }
}
