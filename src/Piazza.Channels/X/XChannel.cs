namespace Piazza.Channels.X;

/// <summary>An X account: bulletins are published as posts.</summary>
public static class XChannel
{
    public const string BaseUrl = "baseUrl";
    public const string Username = "username";
    public const string AccessToken = "accessToken";
    public const string RefreshToken = "refreshToken";

    /// <summary>The most a post may weigh (X's weighted length: CJK and emoji count 2, every link 23).</summary>
    public const int MaxWeightedLength = 280;

    public static readonly ChannelDefinition Definition = new(
        ChannelKind.X,
        "X",
        [
            new(BaseUrl, "API base URL", IsUrl: true, Default: "https://api.x.com", Help: "Keep the default unless a proxy or a test server stands in for X."),
            new(Username, "Account (@name)", Help: "The account's name on X, e.g. @ComuneDiPrato."),
            ChannelTopics.Field,
            .. BroadcastSettings.For(1, wholeChannel: true),
        ],
        [
            new(AccessToken, "OAuth 2.0 user access token", Help: "From the app in the X developer portal, with the tweet.write permission."),
            new(RefreshToken, "OAuth 2.0 refresh token", Required: false, Help: "Lets Piazza renew the access token when it expires (offline.access permission)."),
        ],
        "An X account: bulletins are published as posts.")
    {
        Format = MessageFormat.XPost,
        SendsToWholeChannel = _ => true,
        SandboxDefaults = Simulator.XSandbox.Defaults,
        Join = r => r.Settings.GetValueOrDefault(Username)?.Trim().TrimStart('@') is { Length: > 0 } name
            ? new ChannelJoin(JoinKind.FollowProfile, "https://x.com/" + Uri.EscapeDataString(name), "@" + name)
            : new ChannelJoin(JoinKind.FollowProfile, null, null),
    };
}
