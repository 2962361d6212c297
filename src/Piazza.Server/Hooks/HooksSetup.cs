namespace Piazza.Server.Hooks;

/// <summary>The platforms' webhooks: one file per platform.</summary>
public static class HooksSetup
{
    public static IServiceCollection AddPiazzaHooks(this IServiceCollection services)
    {
        services.AddSingleton<HookChannels>();
        return services;
    }

    public static IEndpointRouteBuilder MapPiazzaHooks(this IEndpointRouteBuilder app)
    {
        app.MapWhatsAppHooks();
        app.MapWeChatHooks();
        app.MapTelegramHooks();
        return app;
    }
}
