namespace Piazza.Channels.WeChat;

/// <summary>WeChat Official Account (公众号), e.g. Prato's bilingual "ViaRoma101".</summary>
public static class WeChatChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.WeChat,
        "WeChat",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://api.weixin.qq.com/cgi-bin/", Help: "Keep the default unless a proxy or a test server stands in for WeChat."),
            new("appId", "AppID", Help: "On the Official Account Platform: Settings and Development, Basic Configuration."),
            new("accountType", "Account type (subscription or service)", Default: "subscription", Help: "As registered with WeChat: subscription or service."),
            .. BroadcastSettings.For(20, wholeChannel: true),
        ],
        [
            new("appSecret", "AppSecret", Help: "On the same page as the AppID; WeChat shows it only when it is generated."),
            new("token", "Server token (signatures)", Help: "A text of your choice: enter the same one as Token in the server configuration."),
            new("encodingAesKey", "EncodingAESKey (safe mode)", Required: false, Help: "Only if messages are encrypted (safe mode): the 43-character key of the server configuration."),
        ],
        "A WeChat Official Account: followers get bulletins in their chat, in Chinese and Italian.")
    {
        Format = MessageFormat.PlainText,
        // An official account reaches its followers by mass send (to everyone or to a tag); messages to one
        // follower are allowed only within 48 hours of their last action, so a bulletin is one post for the channel.
        SendsToWholeChannel = _ => true,
    };
}
