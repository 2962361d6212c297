using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Piazza.Broadcast;
using Piazza.Data;
using Piazza.WeChat;

namespace Piazza.Channels.WeChat;

/// <summary>
/// The one holder of each WeChat account's access token. WeChat invalidates the previous token whenever a new one is
/// fetched, so two nodes fetching at once would log each other out: the token lives in the database
/// (<see cref="WeChatToken"/>, encrypted), one node at a time takes the refresh with a conditional update, and the others
/// wait for its result. A token is refreshed five minutes before it expires, and at once when WeChat says it is no
/// longer valid (40001, 42001) — only if no other node has replaced it meanwhile. Each node keeps the current token in
/// memory until it is about to expire or is reported invalid.
/// </summary>
public sealed class WeChatTokens(
    IServiceScopeFactory scopes, IDataProtectionProvider protection, SqliteWriteGate gate, IOptions<BroadcastOptions> options, TimeProvider time, ILogger<WeChatTokens> logger)
{
    /// <summary>A token is replaced this long before WeChat's expiry.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);

    /// <summary>How long a node may hold the refresh before another takes it over (it died, or WeChat did not answer).</summary>
    public static readonly TimeSpan RefreshHold = TimeSpan.FromSeconds(20);

    private readonly IDataProtector _protector = protection.CreateProtector(ChannelService.SecretsPurpose);
    private readonly ConcurrentDictionary<Guid, Held> _held = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _local = new();
    private readonly string _node = options.Value.NodeName is { Length: > 0 } name ? name + "-wechat" : $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Tokens fetched from WeChat by this node (tests and metrics).</summary>
    public int Fetched => _fetched;

    private int _fetched;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>The account's current token and its version; fetches a new one (through <paramref name="fetch"/>) only
    /// when none is valid and this node wins the refresh. Throws <see cref="WeChatException"/> when WeChat refuses.</summary>
    public async Task<(string Token, int Version)> GetAsync(Guid channelId, Func<CancellationToken, Task<(string Token, TimeSpan ExpiresIn)>> fetch, CancellationToken ct)
    {
        if (_held.TryGetValue(channelId, out var held) && held.ExpiresAt - Now > Margin)
        {
            return (held.Token, held.Version);
        }

        // One caller per node goes to the database; the others of this node wait for it.
        var local = _local.GetOrAdd(channelId, _ => new SemaphoreSlim(1, 1));
        await local.WaitAsync(ct);
        try
        {
            if (_held.TryGetValue(channelId, out held) && held.ExpiresAt - Now > Margin)
            {
                return (held.Token, held.Version);
            }

            var deadline = Now + RefreshHold + RefreshHold;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
                var row = await db.WeChatTokens.AsNoTracking().FirstOrDefaultAsync(t => t.ChannelId == channelId, ct);
                if (row is null)
                {
                    try
                    {
                        db.WeChatTokens.Add(new WeChatToken { ChannelId = channelId, ExpiresAt = DateTime.UnixEpoch, UpdatedAt = Now });
                        await WriteAsync(db, () => db.SaveChangesAsync(ct), ct);
                    }
                    catch (DbUpdateException)
                    {
                        // Another node wrote it first.
                    }

                    continue;
                }

                var now = Now;
                if (row.Token is not null && row.ExpiresAt - now > Margin)
                {
                    held = new Held(_protector.Unprotect(row.Token), row.ExpiresAt, row.Version);
                    _held[channelId] = held;
                    return (held.Token, held.Version);
                }

                var took = await WriteAsync(db, () => db.WeChatTokens
                    .Where(t => t.ChannelId == channelId && t.Version == row.Version && (t.RefreshUntil == null || t.RefreshUntil < now))
                    .ExecuteUpdateAsync(u => u.SetProperty(t => t.RefreshNode, _node).SetProperty(t => t.RefreshUntil, now + RefreshHold), ct), ct);
                if (took == 1)
                {
                    return await RefreshAsync(db, channelId, row.Version, fetch, ct);
                }

                if (Now > deadline)
                {
                    throw new WeChatException(-1, "No access token: another node has been fetching it for too long.");
                }

                // Another node is fetching it: look again shortly (a pause of real time; the hold is measured on the clock).
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
        }
        finally
        {
            local.Release();
        }
    }

    /// <summary>WeChat refused <paramref name="version"/> of the token (40001, 42001): it is replaced at the next
    /// <see cref="GetAsync"/> — unless another node already replaced it.</summary>
    public async Task InvalidateAsync(Guid channelId, int version, CancellationToken ct)
    {
        _held.TryRemove(channelId, out _);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var changed = await WriteAsync(db, () => db.WeChatTokens.Where(t => t.ChannelId == channelId && t.Version == version)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.ExpiresAt, DateTime.UnixEpoch), ct), ct);
        logger.LogInformation("WeChat channel {Channel}: token version {Version} refused by WeChat ({Outcome})", channelId, version, changed == 1 ? "to be replaced" : "already replaced");
    }

    private async Task<(string Token, int Version)> RefreshAsync(
        PiazzaDb db, Guid channelId, int version, Func<CancellationToken, Task<(string Token, TimeSpan ExpiresIn)>> fetch, CancellationToken ct)
    {
        (string Token, TimeSpan ExpiresIn) fresh;
        try
        {
            fresh = await fetch(ct);
            Interlocked.Increment(ref _fetched);
        }
        catch
        {
            // Let another attempt (this node's or another's) try at once.
            await WriteAsync(db, () => db.WeChatTokens.Where(t => t.ChannelId == channelId && t.RefreshNode == _node)
                .ExecuteUpdateAsync(u => u.SetProperty(t => t.RefreshNode, (string?)null).SetProperty(t => t.RefreshUntil, (DateTime?)null), CancellationToken.None), CancellationToken.None);
            throw;
        }

        var now = Now;
        var expires = now + fresh.ExpiresIn;
        var encrypted = _protector.Protect(fresh.Token);
        var next = version + 1;
        var saved = await WriteAsync(db, () => db.WeChatTokens.Where(t => t.ChannelId == channelId && t.RefreshNode == _node && t.Version == version)
            .ExecuteUpdateAsync(u => u
                .SetProperty(t => t.Token, encrypted).SetProperty(t => t.ExpiresAt, expires).SetProperty(t => t.Version, next)
                .SetProperty(t => t.RefreshNode, (string?)null).SetProperty(t => t.RefreshUntil, (DateTime?)null).SetProperty(t => t.UpdatedAt, now), ct), ct);
        if (saved != 1)
        {
            // Held too long: another node took the refresh over, and its token replaces this one.
            throw new WeChatException(-1, "The access token was replaced by another node while this one fetched it.");
        }

        logger.LogInformation("WeChat channel {Channel}: new access token (version {Version}), valid until {Expires:u}", channelId, next, expires);
        _held[channelId] = new Held(fresh.Token, expires, next);
        return (fresh.Token, next);
    }

    private async Task<int> WriteAsync(PiazzaDb db, Func<Task<int>> write, CancellationToken ct)
    {
        using var entered = await gate.EnterAsync(!db.Database.IsNpgsql(), ct);
        return await write();
    }

    private sealed record Held(string Token, DateTime ExpiresAt, int Version);
}
