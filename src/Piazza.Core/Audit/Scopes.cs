using Piazza.Staff;

namespace Piazza.Audit;

/// <summary>Permissions. API keys carry them as scopes; staff get them from their roles.</summary>
public static class Scopes
{
    public const string OrganizationRead = "organization:read";
    public const string OrganizationWrite = "organization:write";
    public const string OfficesRead = "offices:read";
    public const string OfficesWrite = "offices:write";
    public const string UsersRead = "users:read";
    public const string UsersWrite = "users:write";
    public const string TopicsRead = "topics:read";
    public const string TopicsWrite = "topics:write";
    public const string ChannelsRead = "channels:read";
    public const string ChannelsWrite = "channels:write";
    public const string SubscribersRead = "subscribers:read";
    public const string SubscribersWrite = "subscribers:write";

    /// <summary>See subscribers' addresses and names (phone numbers, WeChat IDs). Every read is audited.</summary>
    public const string SubscribersPersonalData = "subscribers:personal-data";
    public const string AuditRead = "audit:read";
    public const string ApiKeysWrite = "api-keys:write";

    /// <summary>Read bulletins, their workflow and their delivery results.</summary>
    public const string BulletinsRead = "bulletins:read";

    /// <summary>Write bulletins, send them for translation, cancel them.</summary>
    public const string BulletinsWrite = "bulletins:write";

    /// <summary>Write and review translations. Staff review only the languages of their translator roles.</summary>
    public const string BulletinsTranslate = "bulletins:translate";

    /// <summary>Approve and schedule bulletins written by others.</summary>
    public const string BulletinsApprove = "bulletins:approve";

    public static readonly IReadOnlyList<string> All =
    [
        OrganizationRead, OrganizationWrite, OfficesRead, OfficesWrite, UsersRead, UsersWrite, TopicsRead, TopicsWrite,
        ChannelsRead, ChannelsWrite, SubscribersRead, SubscribersWrite, SubscribersPersonalData, AuditRead, ApiKeysWrite,
        BulletinsRead, BulletinsWrite, BulletinsTranslate, BulletinsApprove,
    ];

    private static readonly string[] ReadOnly =
        [OrganizationRead, OfficesRead, UsersRead, TopicsRead, ChannelsRead, SubscribersRead];

    /// <summary>What a role may do. Admins may do everything (but review only the languages they hold a translator
    /// role for); the others read the organization's setup and have their part of the bulletin workflow.</summary>
    public static IEnumerable<string> ForRole(StaffRole role) => role switch
    {
        StaffRole.Admin => All,
        StaffRole.Editor => [.. ReadOnly, SubscribersRead, BulletinsRead, BulletinsWrite],
        StaffRole.Translator => [.. ReadOnly, BulletinsRead, BulletinsTranslate],
        StaffRole.Approver => [.. ReadOnly, BulletinsRead, BulletinsApprove],
        _ => ReadOnly,
    };

    /// <summary>Parses a space- or comma-separated list; "all" means every scope. Unknown names are returned in <paramref name="unknown"/>.</summary>
    public static IReadOnlyList<string> Parse(string? text, out IReadOnlyList<string> unknown)
    {
        var parts = (text ?? string.Empty).Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bad = new List<string>();
        var result = new List<string>();
        foreach (var p in parts)
        {
            if (string.Equals(p, "all", StringComparison.OrdinalIgnoreCase))
            {
                result.AddRange(All);
            }
            else if (All.Contains(p, StringComparer.Ordinal))
            {
                result.Add(p);
            }
            else
            {
                bad.Add(p);
            }
        }

        unknown = bad;
        return result.Distinct(StringComparer.Ordinal).ToList();
    }
}
