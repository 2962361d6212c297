using Microsoft.Extensions.DependencyInjection;

namespace Piazza.Inbound;

/// <summary>Registers the handling of citizens' messages (keywords, the staff's list).</summary>
public static class InboundModule
{
    public static IServiceCollection AddPiazzaInbound(this IServiceCollection services)
    {
        services.AddScoped<InboundService>();
        services.AddSingleton<InboundSignals>();
        services.AddSingleton<InboundProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<InboundProcessor>());
        return services;
    }
}
