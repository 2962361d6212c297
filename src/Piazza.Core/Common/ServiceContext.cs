using Piazza.Audit;
using Piazza.Data;

namespace Piazza.Common;

/// <summary>What every feature service needs: the database (already limited to the current organization),
/// who is acting, the audit log and the clock.</summary>
public sealed class ServiceContext(PiazzaDb db, IActor actor, Auditor auditor, TimeProvider time)
{
    public PiazzaDb Db { get; } = db;

    public IActor Actor { get; } = actor;

    public Auditor Audit { get; } = auditor;

    public TimeProvider Time { get; } = time;

    public DateTime Now => Time.GetUtcNow().UtcDateTime;

    public Guid OrganizationId => Db.TenantId ?? throw new InvalidOperationException("No organization is selected for this operation.");

    public void Require(string scope) => Auditor.Require(Actor, scope);
}
