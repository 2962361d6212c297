using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Server.Sandbox;

/// <summary>The platforms' simulators that sandbox channels talk to, on this same server (<c>/sandbox/…</c>), and the
/// console's citizen phone.</summary>
public static class SandboxSetup
{
    public static IServiceCollection AddPiazzaSandbox(this IServiceCollection services)
    {
        services.AddSingleton<ISandboxAddress, SandboxAddress>();
        services.AddSingleton<SandboxChannels>();
        services.AddScoped<SandboxPhone>();
        services.AddScoped<TelegramPhone>();
        services.AddScoped<SandboxPosts>();
        services.AddSingleton<WeChatSandboxMemory>();
        services.AddHttpClient(WhatsAppSimulatorCallbacks.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddHostedService<WhatsAppSimulatorCallbacks>();
        services.AddHttpClient(WeChatSimulatorCallbacks.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHostedService<WeChatSimulatorCallbacks>();
        services.AddHttpClient(TelegramSandboxBots.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<TelegramSandboxBots>();
        return services;
    }

    public static IEndpointRouteBuilder MapPiazzaSandbox(this IEndpointRouteBuilder app)
    {
        app.MapWhatsAppSimulator();
        app.MapWeChatSimulator();
        app.MapTelegramSimulator();
        app.MapSocialSimulators();
        return app;
    }
}
