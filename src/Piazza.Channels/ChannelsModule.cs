using Microsoft.Extensions.DependencyInjection;

namespace Piazza.Channels;

/// <summary>Registers every platform Piazza speaks. One folder per platform.</summary>
public static class ChannelsModule
{
    public static IServiceCollection AddPiazzaChannels(this IServiceCollection services)
    {
        services.AddSingleton(WhatsApp.WhatsAppChannel.Definition);
        services.AddSingleton(WeChat.WeChatChannel.Definition);
        services.AddSingleton(Telegram.TelegramChannel.Definition);
        services.AddSingleton(Facebook.FacebookChannel.Definition);
        services.AddSingleton(X.XChannel.Definition);
        services.AddSingleton(Mastodon.MastodonChannel.Definition);
        services.AddSingleton(Web.WebChannel.Definition);
        services.AddSingleton<ChannelCatalog>();
        return services;
    }
}
