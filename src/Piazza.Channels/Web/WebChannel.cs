namespace Piazza.Channels.Web;

/// <summary>The municipality's own public pages and feeds served by Piazza (<c>/{organization}/{language}/…</c>): a bulletin
/// sent on a website channel is published there.</summary>
public static class WebChannel
{
    public static readonly ChannelDefinition Definition = new(
        ChannelKind.Web,
        "Web",
        [
            new("publicBaseUrl", "Public address of the site", Required: false, IsUrl: true, Help: "Where citizens reach the public pages, if not Piazza's own address."),
            // A web page disturbs nobody: a new website channel publishes at once, whatever the sending policy says of
            // people's phones (each of these can still be set on the channel).
            .. BroadcastSettings.For(1000, wholeChannel: true).Select(f => f.Name switch
            {
                BroadcastSettings.MonthlyCap => f with { Default = "none" },
                BroadcastSettings.ServiceHours => f with { Default = "always" },
                BroadcastSettings.QuietHours => f with { Default = "none" },
                _ => f,
            }),
        ],
        [],
        "Public web pages and feeds of the bulletins, with a subscription form.")
    {
        Format = MessageFormat.Web,
        SendsToWholeChannel = _ => true,
    };
}
