using Microsoft.AspNetCore.Identity;
using Piazza.Tenancy;

namespace Piazza.Staff;

/// <summary>A member of staff who signs in to the console. Belongs to one organization.</summary>
public sealed class StaffUser : IdentityUser<Guid>, IOrgOwned
{
    public Guid OrganizationId { get; set; }

    public required string DisplayName { get; set; }

    /// <summary>Console interface language (it or en).</summary>
    public string UiCulture { get; set; } = "it";

    public bool IsActive { get; set; } = true;

    public DateTime CreatedAt { get; set; }

    public List<RoleAssignment> Roles { get; set; } = [];
}

/// <summary>What a member of staff may do.</summary>
public enum StaffRole
{
    /// <summary>Manages the organization, its users, channels and settings.</summary>
    Admin = 0,

    /// <summary>Writes bulletins for an office.</summary>
    Editor = 1,

    /// <summary>Translates and reviews bulletins in one language.</summary>
    Translator = 2,

    /// <summary>Approves bulletins written by others.</summary>
    Approver = 3,
}

/// <summary>A role held by a user, optionally limited to one office and (for translators) one language.</summary>
public sealed class RoleAssignment : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid UserId { get; set; }

    public StaffRole Role { get; set; }

    /// <summary>Null means every office of the organization.</summary>
    public Guid? OfficeId { get; set; }

    /// <summary>For translators: the BCP 47 tag they translate into.</summary>
    public string? Language { get; set; }
}
