namespace Piazza.Channels.X;

/// <summary>An X account: bulletins are published as posts.</summary>
public static class XChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.X,
        "X",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://api.x.com", Help: "Keep the default unless a proxy or a test server stands in for X."),
            new("username", "Account (@name)", Help: "The account's name on X, e.g. @ComuneDiPrato."),
            .. BroadcastSettings.For(1, wholeChannel: true),
        ],
        [
            new("accessToken", "OAuth 2.0 user access token", Help: "From the app in the X developer portal, with the tweet.write permission."),
            new("refreshToken", "OAuth 2.0 refresh token", Required: false, Help: "Lets Piazza renew the access token when it expires (offline.access permission)."),
        ],
        "An X account: bulletins are published as posts.")
    {
        Format = MessageFormat.XPost,
        SendsToWholeChannel = _ => true,
    };
}
