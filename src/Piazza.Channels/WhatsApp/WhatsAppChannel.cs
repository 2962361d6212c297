namespace Piazza.Channels.WhatsApp;

/// <summary>WhatsApp Business Cloud API (Meta Graph API). Broadcasts go out as approved templates.</summary>
public static class WhatsAppChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.WhatsApp,
        "WhatsApp",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://graph.facebook.com"),
            new("apiVersion", "Graph API version", Default: "v23.0"),
            new("phoneNumberId", "Phone number ID"),
            new("businessAccountId", "WhatsApp Business Account ID"),
            new("subscribeKeyword", "Subscribe keyword", Required: false, Default: "ATTIVA ISCRIZIONE"),
        ],
        [
            new("accessToken", "Access token"),
            new("appSecret", "App secret (webhook signatures)"),
            new("verifyToken", "Webhook verify token"),
        ]);
}
