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

    public static readonly IReadOnlyList<string> All =
    [
        OrganizationRead, OrganizationWrite, OfficesRead, OfficesWrite, UsersRead, UsersWrite, TopicsRead, TopicsWrite,
        ChannelsRead, ChannelsWrite, SubscribersRead, SubscribersWrite, SubscribersPersonalData, AuditRead, ApiKeysWrite,
    ];

    private static readonly string[] ReadOnly =
        [OrganizationRead, OfficesRead, UsersRead, TopicsRead, ChannelsRead, SubscribersRead];

    /// <summary>What a role may do. Admins may do everything; the others read the organization's setup
    /// (they get their own powers — writing, translating, approving — with the bulletin workflow).</summary>
    public static IEnumerable<string> ForRole(StaffRole role) => role switch
    {
        StaffRole.Admin => All,
        StaffRole.Editor => [.. ReadOnly, SubscribersRead],
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
