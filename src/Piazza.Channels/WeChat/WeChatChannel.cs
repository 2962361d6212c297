namespace Piazza.Channels.WeChat;

/// <summary>WeChat Official Account (公众号), e.g. Prato's bilingual "ViaRoma101".</summary>
public static class WeChatChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.WeChat,
        "WeChat",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://api.weixin.qq.com/cgi-bin/"),
            new("appId", "AppID"),
            new("accountType", "Account type (subscription or service)", Default: "subscription"),
        ],
        [
            new("appSecret", "AppSecret"),
            new("token", "Server token (signatures)"),
            new("encodingAesKey", "EncodingAESKey (safe mode)", Required: false),
        ]);
}
