using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Channels.Testing;

namespace Piazza.Channels;

/// <summary>Registers every platform Piazza speaks. One folder per platform.</summary>
public static class ChannelsModule
{
    public static IServiceCollection AddPiazzaChannels(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton(WhatsApp.WhatsAppChannel.Definition);
        services.AddSingleton(WeChat.WeChatChannel.Definition);
        services.AddSingleton(Telegram.TelegramChannel.Definition);
        services.AddSingleton(Facebook.FacebookChannel.Definition);
        services.AddSingleton(X.XChannel.Definition);
        services.AddSingleton(Mastodon.MastodonChannel.Definition);
        services.AddSingleton(Web.WebChannel.Definition);
        services.AddSingleton<ChannelCatalog>();

        // Adapters: one per platform, and the recording adapter (tests, benchmark, sandboxes without a simulator).
        services.AddSingleton<IChannelAdapter, Web.WebAdapter>();
        services.AddHttpClient(WhatsApp.WhatsAppAdapter.HttpClientName);
        services.AddSingleton<IChannelAdapter, WhatsApp.WhatsAppAdapter>();
        services.AddOptions<WhatsApp.Simulator.WhatsAppSimulatorOptions>().Bind(config.GetSection(WhatsApp.Simulator.WhatsAppSimulatorOptions.Section));
        services.AddSingleton<WhatsApp.Simulator.SimulatorStore>();
        services.AddSingleton<WhatsApp.Simulator.WhatsAppSimulator>();
        services.AddOptions<RecordingOptions>().Bind(config.GetSection(RecordingOptions.Section));
        services.AddSingleton<RecordingAdapter>();
        services.AddSingleton<IChannelAdapter>(sp => sp.GetRequiredService<RecordingAdapter>());
        return services;
    }
}
