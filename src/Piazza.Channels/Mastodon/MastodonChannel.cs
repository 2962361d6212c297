namespace Piazza.Channels.Mastodon;

/// <summary>A Mastodon account on any instance.</summary>
public static class MastodonChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Mastodon,
        "Mastodon",
        [
            new("baseUrl", "Instance URL", IsUrl: true),
            new("account", "Account (@name@instance)"),
            new("maxCharacters", "Post length limit", Default: "500"),
        ],
        [
            new("accessToken", "Access token"),
        ]);
}
