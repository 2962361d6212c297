using Piazza.Tenancy;

namespace Piazza.Campaigns;

/// <summary>
/// A printed flyer (or poster) with its own QR code, so that the office knows which one brought each follower. On
/// WeChat it is a permanent parameter QR code (<c>QR_LIMIT_STR_SCENE</c>) whose scene comes back in the follow event
/// as <c>qrscene_&lt;scene&gt;</c>; on Telegram the bot's deep link with <c>c-&lt;scene&gt;</c>; on WhatsApp a wa.me link
/// whose prefilled text is the subscribe keyword and <c>c-&lt;scene&gt;</c>. Followers it brought have
/// <c>Subscriber.Source</c> = "flyer:&lt;scene&gt;". The campaign <see cref="WebsiteScene"/> of a WeChat account is the
/// QR code the public pages show.
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

    /// <summary>The key of the topic a Telegram or WhatsApp flyer subscribes to (its link carries <c>t-&lt;key&gt;</c>, as
    /// printed); null: every topic.</summary>
    public string? TopicKey { get; set; }

    /// <summary>The link the QR code encodes when the platform made it (WeChat: the url returned by qrcode/create); null
    /// where Piazza builds the link from the channel's settings (Telegram, WhatsApp).</summary>
    public string? JoinUrl { get; set; }

    /// <summary>The platform's ticket for the code (WeChat), if any.</summary>
    public string? Ticket { get; set; }

    public DateTime CreatedAt { get; set; }

    public string? CreatedBy { get; set; }

    /// <summary>The subscriber source of the followers it brought.</summary>
    public string Source => SourceOf(Scene);

    public static string SourceOf(string scene) => "flyer:" + scene;

    /// <summary>The scene of the WeChat campaign whose QR code the public subscribe page and the channel's flyer show.</summary>
    public const string WebsiteScene = "website";
}
