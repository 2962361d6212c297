namespace Piazza.Channels.Web;

/// <summary>Publishing on the municipality's own site: the public pages list every bulletin whose Web delivery is
/// sent, so "sending" is recording that the bulletin is published.</summary>
public sealed class WebAdapter : IChannelAdapter
{
    public ChannelKind? Kind => ChannelKind.Web;

    /// <summary>Publishing calls no outside service: a sandbox web channel publishes like a live one.</summary>
    public bool HasSimulator => true;

    public Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct) =>
        Task.FromResult<SendResult>(new SendResult.Sent("web-" + message.PostId.ToString("N")));
}
