namespace Piazza.Channels.Facebook;

/// <summary>A Facebook Page: bulletins are published as page posts.</summary>
public static class FacebookChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Facebook,
        "Facebook",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://graph.facebook.com"),
            new("apiVersion", "Graph API version", Default: "v23.0"),
            new("pageId", "Page ID"),
        ],
        [
            new("pageAccessToken", "Page access token"),
            new("appSecret", "App secret (webhook signatures)", Required: false),
            new("verifyToken", "Webhook verify token", Required: false),
        ]);
}
