namespace Piazza.Channels.Web;

/// <summary>The municipality's own public pages and feeds served by Piazza.</summary>
public static class WebChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Web,
        "Web",
        [
            new("publicBaseUrl", "Public address of the site", Required: false, IsUrl: true, Help: "Where citizens reach the public pages, if not Piazza's own address."),
            .. BroadcastSettings.For(1000, wholeChannel: true),
        ],
        [],
        "Public web pages and feeds of the bulletins, with a subscription form.")
    {
        Format = MessageFormat.Web,
        SendsToWholeChannel = _ => true,
    };
}
