using Piazza.Staff;

namespace Piazza.Server.StaffConsole.Pages;

/// <summary>A staff member's form as posted (new user and edit user).</summary>
public sealed class UserForm
{
    /// <summary>The button pressed: save, add-role, remove-role-N.</summary>
    public string? Command { get; set; }

    public string? Email { get; set; }

    public string? DisplayName { get; set; }

    public bool IsActive { get; set; } = true;

    public List<RolesEditor.RoleRow> Roles { get; set; } = [];

    public StaffUserInput ToInput() => new(Email, DisplayName, [.. Roles.Select(r => r.ToRole())], IsActive);

    public static UserForm From(StaffUserView u) => new()
    {
        Email = u.Email, DisplayName = u.DisplayName, IsActive = u.IsActive, Roles = [.. u.Roles.Select(RolesEditor.RoleRow.From)],
    };
}
