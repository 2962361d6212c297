using Microsoft.Extensions.Localization;
using Piazza.Offices;
using Piazza.Server.Resources;
using Piazza.Staff;

namespace Piazza.Server.StaffConsole.Shared;

/// <summary>Roles as people read them.</summary>
public static class RoleNames
{
    public static string Name(IStringLocalizer<Text> t, StaffRole role) => role switch
    {
        StaffRole.Admin => t["Administrator"],
        StaffRole.Editor => t["Editor"],
        StaffRole.Translator => t["Translator"],
        StaffRole.Approver => t["Approver"],
        _ => role.ToString(),
    };

    /// <summary>"Translator · ZH · Immigration office", or "… · Every office".</summary>
    public static string Describe(IStringLocalizer<Text> t, RoleView role, IReadOnlyList<OfficeView> offices)
    {
        var parts = new List<string> { Name(t, role.Role) };
        if (role.Language is { } lang)
        {
            parts.Add(lang.ToUpperInvariant());
        }

        parts.Add(role.OfficeId is { } id ? offices.FirstOrDefault(o => o.Id == id)?.Name ?? "?" : t["Every office"]);
        return string.Join(" · ", parts);
    }
}
