using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Server.Tests.Broadcast;
using Xunit;

namespace Piazza.Server.Tests.Social;

/// <summary>The broadcast factory listening on a loopback port, every channel on its platform's adapter, so that sandbox
/// Facebook, X and Mastodon channels reach the simulators over HTTP as they do in the product.</summary>
public sealed class SocialLiveFactory : BroadcastFactory
{
    public SocialLiveFactory() => UseKestrel(k => k.Listen(IPAddress.Loopback, 0));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        StartServer();
    }

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Broadcast:Adapters:RecordAll"] = "false",
    };

    public T Adapter<T>()
        where T : IChannelAdapter => Services.GetServices<IChannelAdapter>().OfType<T>().Single();

    /// <summary>The channel's account (settings and decrypted secrets), as the adapters get it.</summary>
    public async Task<ChannelAccount> AccountAsync(Guid channelId)
    {
        await using var db = Database.CreateContext();
        var snapshot = await Service<EngineData>().LoadChannelAsync(db, channelId, CancellationToken.None);
        Assert.NotNull(snapshot);
        return snapshot.Account;
    }
}
