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
        services.AddSingleton<ChannelJoinService>();   // how citizens join each channel (subscribe page, flyers)

        // Adapters: one per platform, and the recording adapter (tests, benchmark, sandboxes without a simulator).
        services.AddSingleton<IChannelAdapter, Web.WebAdapter>();
        services.AddHttpClient(WhatsApp.WhatsAppAdapter.HttpClientName);
        services.AddSingleton<IChannelAdapter, WhatsApp.WhatsAppAdapter>();
        services.AddOptions<WhatsApp.Simulator.WhatsAppSimulatorOptions>().Bind(config.GetSection(WhatsApp.Simulator.WhatsAppSimulatorOptions.Section));
        services.AddSingleton<WhatsApp.Simulator.SimulatorStore>();
        services.AddSingleton<WhatsApp.Simulator.WhatsAppSimulator>();
        services.AddOptions<WeChat.Simulator.WeChatSimulatorOptions>().Bind(config.GetSection(WeChat.Simulator.WeChatSimulatorOptions.Section));
        services.AddSingleton<WeChat.Simulator.WeChatSimulatorStore>();
        services.AddSingleton<WeChat.Simulator.WeChatSimulator>();
        services.AddHttpClient(WeChat.WeChatApi.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15));
        services.AddSingleton<WeChat.WeChatTokens>();
        services.AddSingleton<WeChat.WeChatApi>();
        services.AddSingleton<WeChat.WeChatTagSync>();
        services.AddSingleton<WeChat.WeChatCallbacks>();
        services.AddSingleton<IChannelQuota, WeChat.WeChatQuota>();
        services.AddOptions<WeChat.WeChatOptions>().Bind(config.GetSection(WeChat.WeChatOptions.Section));
        services.AddSingleton<WeChat.WeChatMaintenance>();
        services.AddHostedService(sp => sp.GetRequiredService<WeChat.WeChatMaintenance>());
        services.AddSingleton<IChannelAdapter, WeChat.WeChatAdapter>();
        services.AddHttpClient(Telegram.TelegramAdapter.HttpClientName).RemoveAllLoggers(); // the bot token is in the URL: never logged
        services.AddSingleton<IChannelAdapter, Telegram.TelegramAdapter>();
        services.AddOptions<Telegram.Simulator.TelegramSimulatorOptions>().Bind(config.GetSection(Telegram.Simulator.TelegramSimulatorOptions.Section));
        services.AddSingleton<Telegram.Simulator.TelegramSimulator>();
        services.AddScoped<Campaigns.FlyerCampaignService>();   // flyer QR codes and the followers they brought
        services.AddScoped<WeChat.WeChatComments>();             // followers' comments on bulletins sent as articles
        services.AddOptions<WeChat.WeChatCommentReaderOptions>().Bind(config.GetSection(WeChat.WeChatCommentReaderOptions.Section));
        services.AddHostedService<WeChat.WeChatCommentReader>();
        services.AddHttpClient(Facebook.FacebookAdapter.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<IChannelAdapter, Facebook.FacebookAdapter>();
        services.AddSingleton<Facebook.Simulator.FacebookSimulator>();
        services.AddHttpClient(X.XAdapter.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<IChannelAdapter, X.XAdapter>();
        services.AddSingleton<X.Simulator.XSimulator>();
        services.AddHttpClient(Mastodon.MastodonAdapter.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<IChannelAdapter, Mastodon.MastodonAdapter>();
        services.AddSingleton<Mastodon.Simulator.MastodonSimulator>();
        services.AddOptions<RecordingOptions>().Bind(config.GetSection(RecordingOptions.Section));
        services.AddSingleton<RecordingAdapter>();
        services.AddSingleton<IChannelAdapter>(sp => sp.GetRequiredService<RecordingAdapter>());
        return services;
    }
}
