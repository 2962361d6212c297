namespace Piazza.Channels.WeChat;

/// <summary>
/// Joining a WeChat official account, as ViaRoma101's followers do: search its WeChat ID (setting <c>accountName</c>), or
/// scan its QR code. The QR code is a permanent parameter code (<c>QR_LIMIT_STR_SCENE</c>) of a flyer campaign, so that
/// the follow says where it came from: the subscribe page and the channel's own flyer show the code of the campaign
/// <see cref="WebsiteScene"/>, made once per account by <see cref="WeChatMaintenance"/> (or by the staff, as any
/// campaign); a campaign's flyer shows its own. Nothing here calls WeChat: the link is the one WeChat gave the campaign.
/// </summary>
public static class WeChatJoin
{
    /// <summary>The scene of the campaign whose QR code the public pages show.</summary>
    public const string WebsiteScene = Piazza.Campaigns.FlyerCampaign.WebsiteScene;

    /// <summary>The name that campaign gets when Piazza makes it.</summary>
    public const string WebsiteCampaignName = "Sito web: pagina Iscriviti e volantino del canale";

    public static ChannelJoin For(JoinRequest request) =>
        new(JoinKind.FollowAccount, request.CampaignLink, request.Settings.GetValueOrDefault(WeChatChannel.AccountName) is { Length: > 0 } name ? name : null);
}
