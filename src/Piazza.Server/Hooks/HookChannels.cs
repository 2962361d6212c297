using System.Collections.Concurrent;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Data;

namespace Piazza.Server.Hooks;

/// <summary>The channels webhooks are addressed to, with their decrypted secrets, cached for a few seconds: a broadcast
/// at 1,000 messages a second brings about 3,000 status callbacks a second, which must not each read the database.</summary>
public sealed class HookChannels(IServiceScopeFactory scopes, EngineData engine, TimeProvider time)
{
    private static readonly TimeSpan Keep = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<Guid, (ChannelSnapshot? Channel, DateTimeOffset LoadedAt)> _cache = new();

    /// <summary>The channel if it exists, is of <paramref name="kind"/> and is enabled; else null.</summary>
    public async Task<ChannelSnapshot?> FindAsync(Guid channelId, ChannelKind kind, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(channelId, out var cached) || now - cached.LoadedAt > Keep)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            cached = (await engine.LoadChannelAsync(db, channelId, ct), now);
            _cache[channelId] = cached;
            if (_cache.Count > 10_000)
            {
                _cache.Clear();
            }
        }

        return cached.Channel is { Enabled: true } c && c.Account.Kind == kind ? c : null;
    }
}
