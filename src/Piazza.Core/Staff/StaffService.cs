using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Common;

namespace Piazza.Staff;

/// <summary>A staff member as shown by the console and the API.</summary>
/// <param name="Id">The user's id.</param>
/// <param name="Email">Sign-in e-mail, unique across the deployment.</param>
/// <param name="DisplayName">Name shown to colleagues.</param>
/// <param name="IsActive">False when the account is disabled (cannot sign in).</param>
/// <param name="IsLockedOut">True while locked out after too many failed sign-ins.</param>
/// <param name="TwoFactorEnabled">Whether an authenticator app (TOTP) is required at sign-in.</param>
/// <param name="UiCulture">Interface language: "it" or "en".</param>
/// <param name="Roles">The user's roles.</param>
public sealed record StaffUserView(
    Guid Id, string Email, string DisplayName, bool IsActive, bool IsLockedOut, bool TwoFactorEnabled, string UiCulture, IReadOnlyList<RoleView> Roles);

/// <summary>One role of a staff member.</summary>
/// <param name="Role">admin, editor, translator or approver.</param>
/// <param name="OfficeId">Limits the role to one office; null means every office.</param>
/// <param name="Language">For translators: the language they translate into (BCP 47 tag).</param>
public sealed record RoleView(StaffRole Role, Guid? OfficeId, string? Language);

/// <summary>The fields of a staff member that can be set.</summary>
/// <param name="Email">Required on creation, a valid e-mail address; cannot be changed later.</param>
/// <param name="DisplayName">Required, at most 200 characters.</param>
/// <param name="Roles">At least one role.</param>
/// <param name="IsActive">False disables the account.</param>
/// <param name="UiCulture">"it" (default) or "en".</param>
public sealed record StaffUserInput(string? Email, string? DisplayName, IReadOnlyList<RoleView>? Roles, bool IsActive = true, string? UiCulture = null);

/// <summary>A newly created user and the one-time password to hand over.</summary>
/// <param name="User">The new user.</param>
/// <param name="Password">Generated password, shown once; the user should change it.</param>
public sealed record CreatedStaffUser(StaffUserView User, string Password);

public sealed class StaffService(ServiceContext ctx, UserManager<StaffUser> users)
{
    public static readonly string[] UiCultures = ["it", "en"];

    public async Task<IReadOnlyList<StaffUserView>> ListAsync(CancellationToken ct)
    {
        ctx.Require(Scopes.UsersRead);
        var list = await Query().AsNoTracking().OrderBy(u => u.DisplayName).ToListAsync(ct);
        return list.Select(View).ToList();
    }

    public async Task<StaffUserView> GetAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.UsersRead);
        return View(await FindAsync(id, ct));
    }

    public async Task<CreatedStaffUser> CreateAsync(StaffUserInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.UsersWrite);
        var email = input.Email?.Trim();
        var v = new Validation()
            .When(string.IsNullOrEmpty(email), "email", "An e-mail address is required.")
            .When(!string.IsNullOrEmpty(email) && !Rules.IsEmail(email), "email", "This is not a valid e-mail address.");
        // E-mails are unique across the deployment (they are the sign-in), so look beyond this organization.
        var normalized = users.NormalizeEmail(email);
        if (Rules.IsEmail(email) && await ctx.Db.Users.IgnoreQueryFilters().AnyAsync(u => u.NormalizedEmail == normalized || u.NormalizedUserName == normalized, ct))
        {
            v.Add("email", "A user with this e-mail address already exists.");
        }

        var user = new StaffUser { Id = Guid.NewGuid(), DisplayName = string.Empty, Email = email, UserName = email, CreatedAt = ctx.Now, OrganizationId = ctx.OrganizationId };
        await ApplyAsync(user, input, v, ct);
        var password = GeneratePassword();
        user.LockoutEnabled = true;
        ctx.Audit.Record("user.created", "user", user.Id.ToString(), user.Email);
        var result = await users.CreateAsync(user, password);
        ThrowIfFailed(result);
        return new CreatedStaffUser(View(user), password);
    }

    public async Task<StaffUserView> UpdateAsync(Guid id, StaffUserInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.UsersWrite);
        var user = await FindAsync(id, ct);
        var v = new Validation()
            .When(input.Email is not null && !string.Equals(input.Email.Trim(), user.Email, StringComparison.OrdinalIgnoreCase), "email", "The e-mail address cannot be changed.");
        var wasAdmin = user.Roles.Any(r => r.Role == StaffRole.Admin && r.OfficeId is null);
        await ApplyAsync(user, input, v, ct);
        var isAdmin = user.IsActive && user.Roles.Any(r => r.Role == StaffRole.Admin && r.OfficeId is null);
        if (wasAdmin && !isAdmin && !await OtherActiveAdminExistsAsync(user.Id, ct))
        {
            throw ValidationFailedException.For("roles", "This is the last active administrator: keep the admin role on at least one active user.");
        }

        ctx.Audit.Record("user.updated", "user", user.Id.ToString(), user.Email);
        ThrowIfFailed(await users.UpdateAsync(user));
        return View(user);
    }

    /// <summary>Sets a new generated password and clears a lockout.</summary>
    public async Task<string> ResetPasswordAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.UsersWrite);
        var user = await FindAsync(id, ct);
        var password = GeneratePassword();
        var token = await users.GeneratePasswordResetTokenAsync(user);
        ctx.Audit.Record("user.password-reset", "user", user.Id.ToString(), user.Email);
        ThrowIfFailed(await users.ResetPasswordAsync(user, token, password));
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        return password;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.UsersWrite);
        var user = await FindAsync(id, ct);
        if (ctx.Actor.UserId == id)
        {
            throw ValidationFailedException.For("id", "You cannot delete your own account.");
        }

        if (user.Roles.Any(r => r.Role == StaffRole.Admin) && !await OtherActiveAdminExistsAsync(id, ct))
        {
            throw ValidationFailedException.For("id", "This is the last active administrator.");
        }

        ctx.Audit.Record("user.deleted", "user", user.Id.ToString(), user.Email);
        ThrowIfFailed(await users.DeleteAsync(user));
    }

    public static string GeneratePassword()
    {
        const string Alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var chars = new char[16];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        // Identity's default policy wants a digit, both cases and a symbol.
        return new string(chars, 0, 5) + "-" + new string(chars, 5, 5) + "-" + new string(chars, 10, 6) + "7aZ";
    }

    private IQueryable<StaffUser> Query() => ctx.Db.Users.Where(u => u.OrganizationId == ctx.OrganizationId).Include(u => u.Roles);

    private async Task<StaffUser> FindAsync(Guid id, CancellationToken ct) =>
        await Query().FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw new NotFoundException("user", id.ToString());

    private Task<bool> OtherActiveAdminExistsAsync(Guid userId, CancellationToken ct) =>
        Query().AnyAsync(u => u.Id != userId && u.IsActive && u.Roles.Any(r => r.Role == StaffRole.Admin && r.OfficeId == null), ct);

    private async Task ApplyAsync(StaffUser user, StaffUserInput input, Validation v, CancellationToken ct)
    {
        var name = Rules.Clean(input.DisplayName);
        v.When(string.IsNullOrEmpty(name), "displayName", "A name is required.")
         .When(name is { Length: > 200 }, "displayName", "The name is longer than 200 characters.")
         .When(input.UiCulture is not null && !UiCultures.Contains(input.UiCulture, StringComparer.Ordinal), "uiCulture", "The interface language must be it or en.");
        var roles = input.Roles ?? [];
        if (roles.Count == 0)
        {
            v.Add("roles", "At least one role is required.");
        }

        var offices = await ctx.Db.Offices.AsNoTracking().Select(o => o.Id).ToListAsync(ct);
        var languages = await ctx.Db.OrganizationLanguages.AsNoTracking().Select(l => l.Tag).ToListAsync(ct);
        var normalized = new List<RoleView>();
        for (var i = 0; i < roles.Count; i++)
        {
            var r = roles[i];
            var lang = string.IsNullOrWhiteSpace(r.Language) ? null : Rules.NormalizeLanguageTag(r.Language);
            if (!Enum.IsDefined(r.Role))
            {
                v.Add($"roles[{i}].role", "The role must be admin, editor, translator or approver.");
            }

            if (r.OfficeId is { } o && !offices.Contains(o))
            {
                v.Add($"roles[{i}].officeId", "There is no such office.");
            }

            if (r.Role == StaffRole.Translator && lang is null)
            {
                v.Add($"roles[{i}].language", "A translator needs the language they translate into.");
            }
            else if (lang is not null && !languages.Contains(lang, StringComparer.Ordinal))
            {
                v.Add($"roles[{i}].language", "This language is not one of the organization's languages.");
            }

            var role = new RoleView(r.Role, r.OfficeId, r.Role == StaffRole.Translator ? lang : null);
            if (!normalized.Contains(role))
            {
                normalized.Add(role);
            }
        }

        v.ThrowIfInvalid();
        user.DisplayName = name!;
        user.IsActive = input.IsActive;
        user.UiCulture = input.UiCulture ?? user.UiCulture;
        // Added and removed rows are tracked explicitly: Identity's UserStore.UpdateAsync attaches the user's graph,
        // which would take a new assignment (its key is already set) for an existing row and fail to update it.
        foreach (var old in user.Roles.Where(existing => !normalized.Contains(new RoleView(existing.Role, existing.OfficeId, existing.Language))).ToList())
        {
            user.Roles.Remove(old);
            ctx.Db.RoleAssignments.Remove(old);
        }

        foreach (var r in normalized.Where(n => !user.Roles.Any(e => e.Role == n.Role && e.OfficeId == n.OfficeId && e.Language == n.Language)))
        {
            var assignment = new RoleAssignment { Id = Guid.NewGuid(), OrganizationId = ctx.OrganizationId, UserId = user.Id, Role = r.Role, OfficeId = r.OfficeId, Language = r.Language };
            user.Roles.Add(assignment);
            ctx.Db.RoleAssignments.Add(assignment);
        }
    }

    private static StaffUserView View(StaffUser u) => new(
        u.Id, u.Email ?? string.Empty, u.DisplayName, u.IsActive, u.LockoutEnd is { } end && end > DateTimeOffset.UtcNow, u.TwoFactorEnabled, u.UiCulture,
        u.Roles.OrderBy(r => r.Role).Select(r => new RoleView(r.Role, r.OfficeId, r.Language)).ToList());

    private static void ThrowIfFailed(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new ValidationFailedException(result.Errors.GroupBy(e => e.Code.Contains("Email", StringComparison.Ordinal) || e.Code.Contains("UserName", StringComparison.Ordinal) ? "email" : e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "user")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray(), StringComparer.Ordinal));
        }
    }
}
