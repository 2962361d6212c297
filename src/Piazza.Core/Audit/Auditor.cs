using Microsoft.EntityFrameworkCore;
using Piazza.Common;
using Piazza.Data;

namespace Piazza.Audit;

/// <summary>Writes audit entries. <see cref="Record"/> adds the entry to the same unit of work as the change it
/// describes, so both are saved together or not at all.</summary>
public sealed class Auditor(PiazzaDb db, IActor actor, TimeProvider time)
{
    public void Record(string action, string objectType, string? objectId, string? detail = null, Guid? organizationId = null)
    {
        var org = organizationId ?? db.TenantId ?? throw new InvalidOperationException("No organization to audit against.");
        db.AuditEntries.Add(new AuditEntry
        {
            OrganizationId = org,
            At = time.GetUtcNow().UtcDateTime,
            ActorKind = actor.Kind,
            ActorId = actor.Id,
            ActorName = Truncate(actor.Name, 256)!,
            Action = action,
            ObjectType = objectType,
            ObjectId = objectId,
            Detail = Truncate(detail, 1000),
            RemoteIp = actor.RemoteIp,
        });
    }

    /// <summary>Records a read of personal data and saves at once: the read is logged even if nothing else changes.</summary>
    public async Task RecordPersonalDataReadAsync(string objectType, string objectId, string detail, CancellationToken ct)
    {
        Record("personal-data.read", objectType, objectId, detail);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The audit log of the current organization, newest first.</summary>
    public async Task<List<AuditEntry>> ListAsync(string? objectType, string? objectId, int skip, int take, CancellationToken ct)
    {
        Require(actor, Scopes.AuditRead);
        var q = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrEmpty(objectType))
        {
            q = q.Where(a => a.ObjectType == objectType);
        }

        if (!string.IsNullOrEmpty(objectId))
        {
            q = q.Where(a => a.ObjectId == objectId);
        }

        return await q.OrderByDescending(a => a.Id).Skip(skip).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct);
    }

    /// <summary>One page of the audit log of the current organization, newest first, filtered by
    /// <see cref="AuditFilter"/>, with the number of matching entries.</summary>
    public async Task<Page<AuditEntry>> SearchAsync(AuditFilter filter, Paging paging, CancellationToken ct)
    {
        Require(actor, Scopes.AuditRead);
        paging = paging.Clamp();
        var q = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.ActionPrefix))
        {
            var prefix = filter.ActionPrefix.Trim();
            q = q.Where(a => a.Action.StartsWith(prefix));
        }

        if (!string.IsNullOrWhiteSpace(filter.ObjectType))
        {
            var type = filter.ObjectType.Trim();
            q = q.Where(a => a.ObjectType == type);
        }

        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var pattern = "%" + filter.Actor.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal).ToLowerInvariant() + "%";
#pragma warning disable CA1304, CA1311 // translated to SQL lower()
            q = q.Where(a => EF.Functions.Like(a.ActorName.ToLower(), pattern, "\\"));
#pragma warning restore CA1304, CA1311
        }

        if (filter.ActorKind is { } kind)
        {
            q = q.Where(a => a.ActorKind == kind);
        }

        var total = await q.CountAsync(ct);
        var items = await q.OrderByDescending(a => a.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        return new Page<AuditEntry>(items, total, paging.Skip, paging.Take);
    }

    /// <summary>The object types present in the organization's audit log, for filtering.</summary>
    public async Task<List<string>> ObjectTypesAsync(CancellationToken ct)
    {
        Require(actor, Scopes.AuditRead);
        return await db.AuditEntries.AsNoTracking().Select(a => a.ObjectType).Distinct().OrderBy(t => t).ToListAsync(ct);
    }

    public static void Require(IActor actor, string scope)
    {
        if (!actor.HasScope(scope))
        {
            throw new ForbiddenException($"This needs the '{scope}' permission.");
        }
    }

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}

/// <summary>Filters of the audit log; empty values match everything.</summary>
/// <param name="ActionPrefix">Start of the action, e.g. "api-key." or "personal-data".</param>
/// <param name="ObjectType">Exact object type, e.g. "subscriber".</param>
/// <param name="Actor">Part of the actor's name (e-mail, API key name), case-insensitive.</param>
/// <param name="ActorKind">Only users, API keys, the system or the command line.</param>
public sealed record AuditFilter(string? ActionPrefix = null, string? ObjectType = null, string? Actor = null, ActorKind? ActorKind = null);
