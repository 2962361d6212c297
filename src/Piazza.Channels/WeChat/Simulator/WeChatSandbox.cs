using System.Security.Cryptography;

namespace Piazza.Channels.WeChat.Simulator;

/// <summary>Settings of Piazza's WeChat Official Account simulator (section "Sandbox:WeChat").</summary>
public sealed class WeChatSimulatorOptions
{
    public const string Section = "Sandbox:WeChat";

    /// <summary>Between an accepted mass send and its <c>MASSSENDJOBFINISH</c> event.</summary>
    public TimeSpan MassSendFinishDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long WeChat waits for the callback's answer before it tries again (5 seconds).</summary>
    public TimeSpan CallbackTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many times WeChat tries a callback again after the first attempt got no answer (3).</summary>
    public int CallbackRetries { get; set; } = 3;

    /// <summary>Where the callbacks go instead of this server's own <c>/hooks/wechat/{channelId}</c>: a base URL to which
    /// <c>/hooks/wechat/{channelId}</c> is appended (a developer's tunnel, a test's receiver). Empty: this server.</summary>
    public string? CallbackBaseUrl { get; set; }

    /// <summary>Callbacks waiting to be posted; beyond this the simulator drops them (and says so in the log).</summary>
    public int CallbackQueue { get; set; } = 20_000;

    /// <summary>Sandbox accounts kept in memory (the least recently used go first).</summary>
    public int MaxAccounts { get; set; } = 200;

    /// <summary>Followers (OpenIDs) kept per account; a new one beyond this is refused.</summary>
    public int MaxFollowersPerAccount { get; set; } = 10_000;

    /// <summary>Messages kept per follower's chat (the oldest go first).</summary>
    public int MaxMessagesPerFollower { get; set; } = 200;

    /// <summary>Callbacks kept per account in the outbox (the oldest go first).</summary>
    public int MaxOutboxPerAccount { get; set; } = 500;
}

/// <summary>What a sandbox WeChat channel gets when it is created: a generated AppID, original ID and WeChat ID, a service account
/// whose cover image is the simulator's permanent material <see cref="CoverMediaId"/> (so bulletins go out as articles),
/// and generated AppSecret, server token and EncodingAESKey (so callbacks come in safe mode, encrypted).</summary>
public static class WeChatSandbox
{
    /// <summary>The one permanent image material every sandbox account has: the cover (<c>thumb_media_id</c>) of its drafts.</summary>
    public const string CoverMediaId = "sandbox-cover";

    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>The defaults of a sandbox channel (the organization's languages do not matter to WeChat).</summary>
    public static SandboxDefaults Defaults(IReadOnlyList<string> languages) => new(
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WeChatChannel.AppId] = "wx" + RandomNumberGenerator.GetHexString(16, lowercase: true),
            [WeChatChannel.OriginalId] = "gh_" + RandomNumberGenerator.GetHexString(12, lowercase: true),
            [WeChatChannel.AccountName] = "piazza_" + RandomNumberGenerator.GetHexString(8, lowercase: true),
            [WeChatChannel.AccountType] = WeChatChannel.Service,
            [WeChatChannel.CoverMediaId] = CoverMediaId,
        },
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WeChatChannel.AppSecret] = RandomNumberGenerator.GetHexString(32, lowercase: true),
            [WeChatChannel.Token] = RandomNumberGenerator.GetString(Alphanumeric, 32),
            [WeChatChannel.EncodingAesKey] = NewEncodingAesKey(),
        });

    /// <summary>A 43-character EncodingAESKey as WeChat generates them: letters and digits, the base64 of 32 random bytes
    /// without its "=" (drawn again until the base64 has neither "+" nor "/").</summary>
    public static string NewEncodingAesKey()
    {
        while (true)
        {
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))[..43];
            if (!key.Contains('+', StringComparison.Ordinal) && !key.Contains('/', StringComparison.Ordinal))
            {
                return key;
            }
        }
    }
}
