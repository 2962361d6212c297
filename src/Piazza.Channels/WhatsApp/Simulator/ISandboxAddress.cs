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
}
