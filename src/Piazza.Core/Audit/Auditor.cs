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

    public static void Require(IActor actor, string scope)
    {
        if (!actor.HasScope(scope))
        {
            throw new ForbiddenException($"This needs the '{scope}' permission.");
        }
    }

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}
