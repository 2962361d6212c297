using Piazza.Audit;
using Piazza.Server.Auth;
using Piazza.Tenancy;

namespace Piazza.Server.Hosting;

/// <summary>Who acts in a DI scope. In a request it is the signed-in user or API key; background work and
/// command-line verbs set it explicitly with <see cref="ForOrganization"/>.</summary>
public sealed class ActorOverride
{
    public IActor? Actor { get; set; }

    public static IServiceCollection AddPiazzaActors(IServiceCollection services)
    {
        services.AddScoped<ActorOverride>();
        services.AddScoped<HttpActor>();
        services.AddScoped<IActor>(sp => sp.GetRequiredService<ActorOverride>().Actor ?? sp.GetRequiredService<HttpActor>());
        return services;
    }

    /// <summary>A scope acting for one organization as <paramref name="actor"/> (default: the command line).</summary>
    public static AsyncServiceScope ForOrganization(IServiceProvider services, Guid organizationId, IActor? actor = null)
    {
        var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(organizationId);
        scope.ServiceProvider.GetRequiredService<ActorOverride>().Actor = actor ?? new SystemActor(ActorKind.CommandLine, "command line");
        return scope;
    }
}
