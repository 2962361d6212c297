namespace Piazza.Channels.WhatsApp;

/// <summary>WhatsApp Business Cloud API (Meta Graph API). Broadcasts go out as approved templates.</summary>
public static class WhatsAppChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.WhatsApp,
        "WhatsApp",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://graph.facebook.com", Help: "Keep the default unless a proxy or a test server stands in for Meta."),
            new("apiVersion", "Graph API version", Default: "v23.0", Help: "The version of Meta's Graph API that Piazza calls, e.g. v23.0."),
            new("phoneNumberId", "Phone number ID", Help: "In the Meta app: WhatsApp, API Setup, under the business phone number."),
            new("businessAccountId", "WhatsApp Business Account ID", Help: "On the same page of the Meta app, next to the phone number ID."),
            new("subscribeKeyword", "Subscribe keyword", Required: false, Default: "ATTIVA ISCRIZIONE", Help: "The message citizens send to subscribe."),
            .. BroadcastSettings.For(80),
        ],
        [
            new("accessToken", "Access token", Help: "A permanent token of a system user of the Business Manager, with the whatsapp_business_messaging permission."),
            new("appSecret", "App secret (webhook signatures)", Help: "In the Meta app's basic settings: Piazza uses it to check that incoming messages come from Meta."),
            new("verifyToken", "Webhook verify token", Help: "A text of your choice: enter the same one in the webhook settings of the Meta app."),
        ],
        "A WhatsApp Business number: citizens subscribe by message, bulletins go out as approved templates.")
    {
        Format = MessageFormat.WhatsApp,
    };
}
