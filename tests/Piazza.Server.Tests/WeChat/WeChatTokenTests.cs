using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Piazza.Broadcast;
using Piazza.Channels.WeChat;
using Piazza.Server.Tests.Broadcast;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>
/// The one access-token holder per WeChat account, with several nodes (each a <see cref="WeChatTokens"/> of its own,
/// sharing the database as nodes do): concurrent callers cause one fetch and all get the same token; a token is
/// replaced before it expires; a refused token is replaced once, not once per node; a node that dies while fetching
/// does not block the others for ever.
/// </summary>
public sealed class WeChatTokenTests(BroadcastFactory factory) : IClassFixture<BroadcastFactory>
{
    [Fact]
    public async Task Many_callers_on_three_nodes_cause_one_fetch_and_share_its_token()
    {
        var channel = await ChannelAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var nodes = Enumerable.Range(1, 3).Select(i => Node("node-" + i, clock)).ToList();
        var fetches = 0;
        async Task<(string, TimeSpan)> Fetch(CancellationToken ct)
        {
            var n = Interlocked.Increment(ref fetches);
            await Task.Delay(200, ct); // WeChat takes its time: the others must wait, not fetch too
            return ("token-" + n, TimeSpan.FromSeconds(7200));
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() => nodes[i % 3].GetAsync(channel, Fetch, CancellationToken.None))));

        Assert.Equal(1, fetches);
        Assert.All(results, r => Assert.Equal(("token-1", 1), r));
        await using var db = factory.Database.CreateContext();
        var row = await db.WeChatTokens.SingleAsync(t => t.ChannelId == channel);
        Assert.NotEqual("token-1", row.Token); // encrypted at rest
        Assert.Null(row.RefreshNode);
    }

    [Fact]
    public async Task A_token_is_replaced_five_minutes_before_it_expires()
    {
        var channel = await ChannelAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var node = Node("node-a", clock);
        var other = Node("node-b", clock);
        var fetches = 0;
        Task<(string, TimeSpan)> Fetch(CancellationToken ct) => Task.FromResult(("token-" + Interlocked.Increment(ref fetches), TimeSpan.FromSeconds(7200)));

        Assert.Equal("token-1", (await node.GetAsync(channel, Fetch, CancellationToken.None)).Token);
        clock.Advance(TimeSpan.FromSeconds(7200) - WeChatTokens.Margin - TimeSpan.FromSeconds(1));
        Assert.Equal("token-1", (await other.GetAsync(channel, Fetch, CancellationToken.None)).Token);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("token-2", (await other.GetAsync(channel, Fetch, CancellationToken.None)).Token);
        Assert.Equal("token-2", (await node.GetAsync(channel, Fetch, CancellationToken.None)).Token);
        Assert.Equal(2, fetches);
    }

    [Fact]
    public async Task A_refused_token_is_replaced_once_even_when_every_node_reports_it()
    {
        var channel = await ChannelAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = Node("node-a", clock);
        var b = Node("node-b", clock);
        var fetches = 0;
        Task<(string, TimeSpan)> Fetch(CancellationToken ct) => Task.FromResult(("token-" + Interlocked.Increment(ref fetches), TimeSpan.FromSeconds(7200)));

        var first = await a.GetAsync(channel, Fetch, CancellationToken.None);
        Assert.Equal(first, await b.GetAsync(channel, Fetch, CancellationToken.None));

        // WeChat refuses token 1 (another system fetched a token for the account): node a reports it and gets token 2.
        await a.InvalidateAsync(channel, first.Version, CancellationToken.None);
        var second = await a.GetAsync(channel, Fetch, CancellationToken.None);
        Assert.Equal("token-2", second.Token);

        // Node b still holds token 1; WeChat refuses it there too. Its report changes nothing: token 2 stands.
        await b.InvalidateAsync(channel, first.Version, CancellationToken.None);
        Assert.Equal(second, await b.GetAsync(channel, Fetch, CancellationToken.None));
        Assert.Equal(2, fetches);
    }

    [Fact]
    public async Task A_node_that_dies_while_fetching_is_taken_over_after_its_hold()
    {
        var channel = await ChannelAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var dying = Node("node-dying", clock);
        var survivor = Node("node-survivor", clock);
        using var never = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var stuck = dying.GetAsync(channel, async ct =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return ("never", TimeSpan.Zero);
        }, never.Token);
        await started.Task;

        // The survivor waits while the hold lasts, then takes the refresh over.
        var waiting = survivor.GetAsync(channel, _ => Task.FromResult(("token-survivor", TimeSpan.FromSeconds(7200))), CancellationToken.None);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        clock.Advance(WeChatTokens.RefreshHold + TimeSpan.FromSeconds(1));
        Assert.Equal("token-survivor", (await waiting.WaitAsync(TimeSpan.FromSeconds(30))).Token);

        await never.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck);
    }

    private WeChatTokens Node(string name, TimeProvider clock) => new(
        factory.Services.GetRequiredService<IServiceScopeFactory>(), factory.Services.GetRequiredService<IDataProtectionProvider>(),
        factory.Services.GetRequiredService<SqliteWriteGate>(), Options.Create(new BroadcastOptions { NodeName = name }), clock, NullLogger<WeChatTokens>.Instance);

    private async Task<Guid> ChannelAsync()
    {
        var n = await factory.NewsroomAsync(0, "WeChat");
        return n.ChannelId;
    }
}
