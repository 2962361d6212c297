using System.Net;
using Piazza.Broadcast;
using Piazza.Channels;
using Xunit;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>The broadcast factory listening on a loopback port of its own, with every channel on its platform's real
/// adapter: sandbox channels reach Piazza's simulators over HTTP and the simulators' callbacks and citizens' messages
/// reach the server's own webhooks, as in the product. Subclasses add the simulators they drive.</summary>
public abstract class LiveBroadcastFactory : BroadcastFactory
{
    protected LiveBroadcastFactory() => UseKestrel(k => k.Listen(IPAddress.Loopback, 0));

    /// <summary>Starts Kestrel: the clients' base address becomes the port it chose.</summary>
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        StartServer();
    }

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Broadcast:Adapters:RecordAll"] = "false",
    };

    /// <summary>The channel's account (settings and decrypted secrets), as the adapters get it.</summary>
    public async Task<ChannelAccount> AccountAsync(Guid channelId)
    {
        await using var db = Database.CreateContext();
        var snapshot = await Service<EngineData>().LoadChannelAsync(db, channelId, CancellationToken.None);
        Assert.NotNull(snapshot);
        return snapshot.Account;
    }
}
