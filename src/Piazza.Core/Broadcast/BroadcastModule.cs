using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Channels;
using Piazza.Posts;

namespace Piazza.Broadcast;

/// <summary>Registers composing and broadcasting: the bulletin workflow, the sending policy, the releaser, the
/// dispatcher and the status updates.</summary>
public static class BroadcastModule
{
    public static IServiceCollection AddPiazzaBroadcast(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<BroadcastOptions>().Bind(config.GetSection(BroadcastOptions.Section));
        services.AddOptions<AdapterOptions>().Bind(config.GetSection(AdapterOptions.Section));
        services.AddScoped<PostService>();
        services.AddScoped<SendingPolicyService>();
        services.AddSingleton<ChannelAdapters>();
        services.AddSingleton<SqliteWriteGate>();
        services.AddSingleton<BroadcastSignals>();
        services.AddSingleton<EngineData>();
        services.AddSingleton<WorkerServices>();
        services.AddSingleton<Releaser>();
        services.AddSingleton<Dispatcher>();
        services.AddSingleton<DeliveryStatusUpdater>();
        services.AddHostedService(sp => sp.GetRequiredService<Releaser>());
        services.AddHostedService(sp => sp.GetRequiredService<Dispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryStatusUpdater>());
        return services;
    }
}
