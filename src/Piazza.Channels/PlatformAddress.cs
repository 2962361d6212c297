namespace Piazza.Channels;

/// <summary>Where a publishing adapter sends: the platform's API, or for a sandbox channel its own path under Piazza's
/// simulator of the platform (<c>/sandbox/{platform}/{channelId}</c>).</summary>
public static class PlatformAddress
{
    public const string SimulatorUnknown = "The address of the sandbox simulator is not known yet (setting Sandbox:BaseUrl).";

    /// <summary>The API base URL without a trailing slash, or null (the simulator's address is not known yet, or a live
    /// channel has no such setting and the platform no default).</summary>
    public static string? For(ChannelAccount channel, string? simulatorBase, string setting, string? platformDefault) =>
        channel.IsSandbox
            ? (simulatorBase is { } s ? s + "/" + channel.Id.ToString("D") : null)
            : (channel.Setting(setting) ?? platformDefault)?.TrimEnd('/');
}
