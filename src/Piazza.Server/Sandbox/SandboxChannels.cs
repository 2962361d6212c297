using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.WeChat;
using Piazza.Channels.WhatsApp;
using Piazza.Data;
using Piazza.Server.Hooks;

namespace Piazza.Server.Sandbox;

/// <summary>Finds the sandbox WhatsApp channel a simulator request is addressed to, by its phone number ID (the map
/// is read again every five seconds, and at once for an ID it does not know: a channel just created), and the sandbox
/// WeChat channel by its AppID.</summary>
public sealed class SandboxChannels(IServiceScopeFactory scopes, HookChannels hooks, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Keep = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Snapshot _map = new(new Dictionary<string, Guid>(StringComparer.Ordinal), DateTimeOffset.MinValue);
    private readonly SemaphoreSlim _loadingWeChat = new(1, 1);
    private volatile Snapshot _weChat = new(new Dictionary<string, Guid>(StringComparer.Ordinal), DateTimeOffset.MinValue);
    private long _weChatLoads;

    public async Task<ChannelSnapshot?> FindByPhoneNumberIdAsync(string phoneNumberId, CancellationToken ct)
    {
        var asked = time.GetUtcNow();
        var map = _map;
        if (asked - map.LoadedAt > Keep || !map.Ids.ContainsKey(phoneNumberId))
        {
            map = await LoadAsync(asked, ct);
        }

        if (!map.Ids.TryGetValue(phoneNumberId, out var channelId))
        {
            return null;
        }

        var channel = await hooks.FindAsync(channelId, ChannelKind.WhatsApp, ct);
        return channel is { Account.IsSandbox: true } && channel.Account.Setting(WhatsAppChannel.PhoneNumberId) == phoneNumberId ? channel : null;
    }

    /// <summary>Reads the map again, unless another request read it since <paramref name="asked"/> (one query serves
    /// the requests that waited for it).</summary>
    private async Task<Snapshot> LoadAsync(DateTimeOffset asked, CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            if (_map.LoadedAt >= asked)
            {
                return _map;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            var rows = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == ChannelKind.WhatsApp && c.IsSandbox)
                .Select(c => new { c.Id, c.SettingsJson })
                .ToListAsync(ct);
            var ids = new Dictionary<string, Guid>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                var settings = string.IsNullOrEmpty(row.SettingsJson) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(row.SettingsJson);
                if (settings?.GetValueOrDefault(WhatsAppChannel.PhoneNumberId) is { Length: > 0 } id)
                {
                    ids.TryAdd(id, row.Id);
                }
            }

            return _map = new Snapshot(ids, time.GetUtcNow());
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>The sandbox WeChat channel whose AppID this is (WeChat's <c>GET token</c> names the account by it). The
    /// map is read again every five seconds, and at once for an AppID it does not know: a channel just created.</summary>
    public async Task<ChannelSnapshot?> FindWeChatByAppIdAsync(string appId, CancellationToken ct)
    {
        var map = _weChat;
        if (time.GetUtcNow() - map.LoadedAt > Keep || !map.Ids.ContainsKey(appId))
        {
            map = await LoadWeChatAsync(Interlocked.Read(ref _weChatLoads), ct);
        }

        if (!map.Ids.TryGetValue(appId, out var channelId))
        {
            return null;
        }

        var channel = await hooks.FindAsync(channelId, ChannelKind.WeChat, ct);
        return channel is { Account.IsSandbox: true } && channel.Account.Setting(WeChatChannel.AppId) == appId ? channel : null;
    }

    /// <summary>The sandbox WeChat channel of this id (an access token of the simulator names it), if enabled.</summary>
    public async Task<ChannelSnapshot?> FindWeChatAsync(Guid channelId, CancellationToken ct) =>
        await hooks.FindAsync(channelId, ChannelKind.WeChat, ct) is { Account.IsSandbox: true } channel ? channel : null;

    /// <summary>Reads the AppID map again, unless another request read it since this one looked (<paramref name="seen"/>
    /// loads): one query serves the requests that waited for it, whatever the clock says.</summary>
    private async Task<Snapshot> LoadWeChatAsync(long seen, CancellationToken ct)
    {
        await _loadingWeChat.WaitAsync(ct);
        try
        {
            if (Interlocked.Read(ref _weChatLoads) != seen)
            {
                return _weChat;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            var rows = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == ChannelKind.WeChat && c.IsSandbox)
                .Select(c => new { c.Id, c.SettingsJson })
                .ToListAsync(ct);
            var ids = new Dictionary<string, Guid>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                var settings = string.IsNullOrEmpty(row.SettingsJson) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(row.SettingsJson);
                if (settings?.GetValueOrDefault(WeChatChannel.AppId) is { Length: > 0 } id)
                {
                    ids.TryAdd(id, row.Id);
                }
            }

            _weChat = new Snapshot(ids, time.GetUtcNow());
            Interlocked.Increment(ref _weChatLoads);
            return _weChat;
        }
        finally
        {
            _loadingWeChat.Release();
        }
    }

    public void Dispose()
    {
        _loading.Dispose();
        _loadingWeChat.Dispose();
    }

    private sealed record Snapshot(Dictionary<string, Guid> Ids, DateTimeOffset LoadedAt);
}
