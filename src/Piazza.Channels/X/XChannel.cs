namespace Piazza.Channels.X;

/// <summary>An X account: bulletins are published as posts.</summary>
public static class XChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.X,
        "X",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://api.x.com"),
            new("username", "Account (@name)"),
        ],
        [
            new("accessToken", "OAuth 2.0 user access token"),
            new("refreshToken", "OAuth 2.0 refresh token", Required: false),
        ]);
}
