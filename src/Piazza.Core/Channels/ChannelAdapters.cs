using Microsoft.Extensions.Options;

namespace Piazza.Channels;

/// <summary>Which adapter sends for a channel (section "Broadcast:Adapters").</summary>
public sealed class AdapterOptions
{
    public const string Section = "Broadcast:Adapters";

    /// <summary>Send every channel's messages to the recording adapter instead of the platforms (tests, benchmark).</summary>
    public bool RecordAll { get; set; }
}

/// <summary>Finds the adapter of a channel: the platform's own; for a sandbox channel whose platform has none yet, the
/// recording adapter; with <see cref="AdapterOptions.RecordAll"/>, the recording adapter for every channel.</summary>
public sealed class ChannelAdapters(IEnumerable<IChannelAdapter> adapters, IOptions<AdapterOptions> options)
{
    private readonly Dictionary<ChannelKind, IChannelAdapter> _byKind = adapters.Where(a => a.Kind is not null).ToDictionary(a => a.Kind!.Value);
    private readonly IChannelAdapter? _recording = adapters.FirstOrDefault(a => a.Kind is null);

    public IChannelAdapter? For(ChannelKind kind, bool isSandbox)
    {
        if (options.Value.RecordAll && _recording is not null)
        {
            return _recording;
        }

        // A sandbox channel talks to Piazza's simulator of its platform when there is one; until then its messages are
        // recorded (the platform's adapter would call the real platform).
        var platform = _byKind.GetValueOrDefault(kind);
        return isSandbox ? (platform is { HasSimulator: true } ? platform : _recording) : platform;
    }

    /// <summary>True when messages on this channel are only recorded (no platform or simulator receives them).</summary>
    public bool IsRecordingOnly(ChannelKind kind, bool isSandbox) => For(kind, isSandbox) is { Kind: null };
}
