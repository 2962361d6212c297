namespace Piazza.Channels.Mastodon;

/// <summary>A Mastodon account on any instance.</summary>
public static class MastodonChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Mastodon,
        "Mastodon",
        [
            new("baseUrl", "Instance URL", IsUrl: true, Help: "The address of the server that hosts the account, e.g. https://mastodon.uno."),
            new("account", "Account (@name@instance)", Help: "The account's full name, e.g. @comune@mastodon.uno."),
            new("maxCharacters", "Post length limit", Default: "500", Help: "Most instances allow 500 characters per post; some allow more."),
            .. BroadcastSettings.For(1, wholeChannel: true),
        ],
        [
            new("accessToken", "Access token", Help: "In the account's preferences: Development, new application with the write:statuses permission."),
        ],
        "A Mastodon account on any instance: bulletins are published as public posts.")
    {
        Format = MessageFormat.MastodonStatus,
        SendsToWholeChannel = _ => true,
    };
}
