namespace Piazza.Channels.Facebook;

/// <summary>A Facebook Page: bulletins are published as page posts.</summary>
public static class FacebookChannel
{
    public const string BaseUrl = "baseUrl";
    public const string ApiVersion = "apiVersion";
    public const string PageId = "pageId";
    public const string PageUrl = "pageUrl";
    public const string PageAccessToken = "pageAccessToken";
    public const string AppSecret = "appSecret";
    public const string VerifyToken = "verifyToken";

    /// <summary>The most characters a Page post's message may have.</summary>
    public const int MaxMessageLength = 63_206;

    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Facebook,
        "Facebook",
        [
            new(BaseUrl, "API base URL", IsUrl: true, Default: "https://graph.facebook.com", Help: "Keep the default unless a proxy or a test server stands in for Meta."),
            new(ApiVersion, "Graph API version", Default: "v23.0", Help: "The version of Meta's Graph API that Piazza calls, e.g. v23.0."),
            new(PageId, "Page ID", Help: "In the Page's information (Page transparency): the Page ID."),
            new(PageUrl, "Page address", Required: false, IsUrl: true,
                Help: "The page's public address, e.g. https://www.facebook.com/comunediprato: the subscribe page links to it and its QR code opens it."),
            ChannelTopics.Field,
            .. BroadcastSettings.For(1, wholeChannel: true),
        ],
        [
            new(PageAccessToken, "Page access token", Help: "A long-lived Page access token with the pages_manage_posts permission."),
            new(AppSecret, "App secret (webhook signatures)", Required: false, Help: "In the Meta app's basic settings: Piazza uses it to check that incoming messages come from Meta."),
            new(VerifyToken, "Webhook verify token", Required: false, Help: "A text of your choice: enter the same one in the webhook settings of the Meta app."),
        ],
        "A Facebook Page: bulletins are published as posts on the page.")
    {
        Format = MessageFormat.PlainText,
        SendsToWholeChannel = _ => true,
        SandboxDefaults = Simulator.FacebookSandbox.Defaults,
        Join = r => new ChannelJoin(JoinKind.FollowProfile, r.Settings.GetValueOrDefault(PageUrl), r.Settings.GetValueOrDefault(PageUrl)),
    };
}
