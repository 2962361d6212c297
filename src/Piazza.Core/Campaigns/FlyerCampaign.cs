using Piazza.Tenancy;

namespace Piazza.Campaigns;

/// <summary>
/// A printed flyer (or poster) with its own QR code, so that the office knows which one brought each follower. On
/// WeChat it is a permanent parameter QR code (<c>QR_LIMIT_STR_SCENE</c>) whose scene comes back in the follow event
/// as <c>qrscene_&lt;scene&gt;</c>; followers it brought have <c>Subscriber.Source</c> = "flyer:&lt;scene&gt;".
/// </summary>
public sealed class FlyerCampaign : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid ChannelId { get; set; }

    /// <summary>What the office calls it, e.g. "Flyer mercato di via Pistoiese, novembre".</summary>
    public required string Name { get; set; }

    /// <summary>The QR code's scene: 1–64 letters, digits, '-' or '_', unique on the channel.</summary>
    public required string Scene { get; set; }

    /// <summary>The link the QR code encodes (WeChat: the url returned by qrcode/create).</summary>
    public string? JoinUrl { get; set; }

    /// <summary>The platform's ticket for the code (WeChat), if any.</summary>
    public string? Ticket { get; set; }

    public DateTime CreatedAt { get; set; }

    public string? CreatedBy { get; set; }

    /// <summary>The subscriber source of the followers it brought.</summary>
    public string Source => SourceOf(Scene);

    public static string SourceOf(string scene) => "flyer:" + scene;
}
