using System.Globalization;

namespace Piazza.Channels.Mastodon;

/// <summary>A Mastodon account on any instance.</summary>
public static class MastodonChannel
{
    public const string BaseUrl = "baseUrl";
    public const string Account = "account";
    public const string MaxCharacters = "maxCharacters";
    public const string Visibility = "visibility";
    public const string AccessToken = "accessToken";

    /// <summary>Mastodon's default length limit of a status.</summary>
    public const int DefaultMaxCharacters = 500;

    /// <summary>The visibilities Mastodon knows.</summary>
    public static readonly IReadOnlyList<string> Visibilities = ["public", "unlisted", "private", "direct"];

    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Mastodon,
        "Mastodon",
        [
            new(BaseUrl, "Instance URL", IsUrl: true, Help: "The address of the server that hosts the account, e.g. https://mastodon.uno."),
            new(Account, "Account (@name@instance)", Help: "The account's full name, e.g. @comune@mastodon.uno."),
            new(MaxCharacters, "Post length limit", Default: "500", Help: "Most instances allow 500 characters per post; some allow more."),
            new(Visibility, "Post visibility", Required: false, Default: "public", Help: "public, unlisted, private (followers only) or direct."),
            ChannelTopics.Field,
            .. BroadcastSettings.For(1, wholeChannel: true),
        ],
        [
            new(AccessToken, "Access token", Help: "In the account's preferences: Development, new application with the write:statuses permission."),
        ],
        "A Mastodon account on any instance: bulletins are published as public posts.")
    {
        Format = MessageFormat.MastodonStatus,
        SendsToWholeChannel = _ => true,
        SandboxDefaults = Simulator.MastodonSandbox.Defaults,
        Problems = (settings, _) => ProblemsOf(settings),
        Join = r => ProfileUrl(r.Settings) is { } url ? new ChannelJoin(JoinKind.FollowProfile, url, r.Settings[Account].Trim()) : new ChannelJoin(JoinKind.FollowProfile, null, null),
    };

    /// <summary>The account's public profile, <c>https://&lt;instance&gt;/@&lt;user&gt;</c>, from its full name
    /// (<c>@user@instance</c>; a name without the instance is on the instance of <c>baseUrl</c>); null without one.</summary>
    public static string? ProfileUrl(IReadOnlyDictionary<string, string> settings)
    {
        var parts = (settings.GetValueOrDefault(Account) ?? string.Empty).Trim().TrimStart('@').Split('@');
        var user = parts[0];
        var host = parts.Length > 1 ? parts[1]
            : Uri.TryCreate(settings.GetValueOrDefault(BaseUrl), UriKind.Absolute, out var baseUrl) ? baseUrl.Authority : null;
        return user.Length == 0 || parts.Length > 2 || string.IsNullOrEmpty(host) || Uri.CheckHostName(host.Split(':')[0]) == UriHostNameType.Unknown
            ? null
            : $"https://{host}/@{Uri.EscapeDataString(user)}";
    }

    /// <summary>The instance's length limit (setting <c>maxCharacters</c>, default 500).</summary>
    public static int LimitOf(IReadOnlyDictionary<string, string> settings) =>
        int.TryParse(settings.GetValueOrDefault(MaxCharacters), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : DefaultMaxCharacters;

    /// <summary>The posts' visibility (setting <c>visibility</c>, default public).</summary>
    public static string VisibilityOf(IReadOnlyDictionary<string, string> settings) =>
        settings.GetValueOrDefault(Visibility)?.Trim().ToLowerInvariant() is { Length: > 0 } v && Visibilities.Contains(v) ? v : "public";

    private static IEnumerable<(string Field, string Message)> ProblemsOf(IReadOnlyDictionary<string, string> settings)
    {
        if (settings.GetValueOrDefault(MaxCharacters) is { Length: > 0 } max
            && !(int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 100 and <= 100_000))
        {
            yield return ("settings." + MaxCharacters, "Enter a number of characters between 100 and 100000.");
        }

        if (settings.GetValueOrDefault(Visibility) is { Length: > 0 } visibility && !Visibilities.Contains(visibility.Trim().ToLowerInvariant()))
        {
            yield return ("settings." + Visibility, "Enter public, unlisted, private or direct.");
        }
    }
}
