using Microsoft.Extensions.DependencyInjection;
using Piazza.Channels;
using Piazza.Server.Tests.Broadcast;

namespace Piazza.Server.Tests.Social;

/// <summary>The broadcast factory listening on a loopback port, every channel on its platform's adapter, so that sandbox
/// Facebook, X and Mastodon channels reach the simulators over HTTP as they do in the product.</summary>
public sealed class SocialLiveFactory : LiveBroadcastFactory
{
    public T Adapter<T>()
        where T : IChannelAdapter => Services.GetServices<IChannelAdapter>().OfType<T>().Single();
}
