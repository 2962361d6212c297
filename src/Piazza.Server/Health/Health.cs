using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Piazza.Data;

namespace Piazza.Server.Health;

public static class Health
{
    public static IServiceCollection AddPiazzaHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseCheck>("database", tags: ["ready"]);
        return services;
    }

    /// <summary><c>/healthz</c>: the process is alive. <c>/readyz</c>: and its database answers.</summary>
    public static IEndpointRouteBuilder MapPiazzaHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false, ResponseWriter = WriteJsonAsync });
        app.MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteJsonAsync });
        return app;
    }

    /// <summary>{"status": "Unhealthy", "checks": {"database": {"status": "Unhealthy", "description": "…"}}}; the
    /// exception details go to the log only.</summary>
    private static Task WriteJsonAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });

    /// <summary>The database answers a query and its schema is migrated.</summary>
    private sealed class DatabaseCheck(PiazzaDb db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
                return pending.Count == 0
                    ? HealthCheckResult.Healthy("database reachable")
                    : HealthCheckResult.Unhealthy("database has pending migrations: " + string.Join(", ", pending));
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("database unreachable", e);
            }
        }
    }
}
