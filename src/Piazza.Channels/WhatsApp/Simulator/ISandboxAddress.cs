namespace Piazza.Channels.WhatsApp.Simulator;

/// <summary>Where this server's simulators answer: the server's own address (setting <c>Sandbox:BaseUrl</c>, else its
/// first listening address). Sandbox channels' adapters call it instead of the platform, and the simulators post
/// their webhooks to it.</summary>
public interface ISandboxAddress
{
    /// <summary>The server's base address (e.g. http://127.0.0.1:5000), or null while it is not known (no listener:
    /// an in-memory test server).</summary>
    Uri? BaseAddress { get; }

    /// <summary>The base URL a sandbox WhatsApp channel's adapter uses instead of https://graph.facebook.com.</summary>
    string? WhatsAppBaseUrl => BaseAddress is { } b ? b.ToString().TrimEnd('/') + "/sandbox/whatsapp" : null;

    /// <summary>The base URL a sandbox WeChat channel's adapter uses instead of https://api.weixin.qq.com/cgi-bin/.</summary>
    string? WeChatBaseUrl => BaseAddress is { } b ? b.ToString().TrimEnd('/') + "/sandbox/wechat/cgi-bin/" : null;

    /// <summary>The base URL a sandbox Telegram channel's adapter uses instead of https://api.telegram.org.</summary>
    string? TelegramBaseUrl => BaseAddress is { } b ? b.ToString().TrimEnd('/') + "/sandbox/telegram" : null;

    /// <summary>The base URL a sandbox Facebook page's adapter uses instead of https://graph.facebook.com (the channel's
    /// id follows it: each sandbox page has its own simulated Graph API).</summary>
    string? FacebookBaseUrl => BaseAddress is { } b ? b.ToString().TrimEnd('/') + "/sandbox/facebook" : null;

    /// <summary>The base URL a sandbox X account's adapter uses instead of https://api.x.com (the channel's id follows it).</summary>
    string? XBaseUrl => BaseAddress is { } b ? b.ToString().TrimEnd('/') + "/sandbox/x" : null;

    /// <summary>The base URL a sandbox Mastodon account's adapter uses instead of its instance (the channel's id follows
    /// it: each sandbox account has its own simulated instance).</summary>
    string? MastodonBaseUrl => BaseAddress is { } b ? b.ToString().TrimEnd('/') + "/sandbox/mastodon" : null;
}
