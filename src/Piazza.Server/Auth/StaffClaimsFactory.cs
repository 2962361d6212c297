using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Piazza.Audit;
using Piazza.Data;
using Piazza.Staff;

namespace Piazza.Server.Auth;

/// <summary>Puts a staff member's organization, name and permissions (from their roles) into the sign-in cookie.</summary>
public sealed class StaffClaimsFactory(UserManager<StaffUser> users, IOptions<IdentityOptions> options, PiazzaDb db)
    : UserClaimsPrincipalFactory<StaffUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(StaffUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(PiazzaClaims.Organization, user.OrganizationId.ToString()));
        identity.AddClaim(new Claim(PiazzaClaims.DisplayName, user.DisplayName));
        var roles = await db.RoleAssignments.IgnoreQueryFilters().Where(r => r.UserId == user.Id).Select(r => r.Role).Distinct().ToListAsync();
        foreach (var role in roles)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, role.ToString()));
        }

        foreach (var scope in roles.SelectMany(Scopes.ForRole).Distinct(StringComparer.Ordinal))
        {
            identity.AddClaim(new Claim(PiazzaClaims.Scope, scope));
        }

        return identity;
    }
}
