using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Broadcast;
using Piazza.Channels.Testing;
using Piazza.Server.Tests.Api;
using Xunit;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>Platforms' status callbacks move deliveries forward in batches; and two server nodes on one database
/// share the channels without ever sending a message twice.</summary>
public sealed class DeliveryStatusTests(BroadcastFactory factory) : IClassFixture<BroadcastFactory>
{
    [Fact]
    public async Task Status_callbacks_move_deliveries_forward_only_and_repeats_change_nothing()
    {
        var n = await factory.NewsroomAsync(subscribers: 6);
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 30, "Sent");
        var d = await factory.DeliveriesAsync(id);
        var updater = factory.Service<DeliveryStatusUpdater>();
        var now = DateTime.UtcNow;
        var at = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)); // whole seconds: PostgreSQL keeps microseconds
        StatusUpdate Status(int i, DeliveryState state, string? error = null) => new(n.ChannelId, d[i].PlatformMessageId!, state, at.AddSeconds(i), error);

        foreach (var u in new[]
        {
            Status(0, DeliveryState.Delivered), Status(0, DeliveryState.Read),
            Status(1, DeliveryState.Read), Status(1, DeliveryState.Delivered), // "delivered" after "read": ignored
            Status(2, DeliveryState.Delivered), Status(2, DeliveryState.Delivered), // Meta retries
            Status(3, DeliveryState.Failed, "131049 not delivered to maintain healthy ecosystem engagement"),
            new StatusUpdate(n.ChannelId, "wamid.unknown", DeliveryState.Read, at), // not ours
        })
        {
            await updater.Report(u);
        }

        await BroadcastFactory.WaitUntilAsync(async () => (await factory.DeliveriesAsync(id))[3].State == DeliveryState.Failed, 20, "the callbacks to be applied");
        var after = await factory.DeliveriesAsync(id);
        Assert.Equal(DeliveryState.Read, after[0].State);
        Assert.Equal(at, after[0].DeliveredAt);
        Assert.Equal(at, after[0].ReadAt);
        Assert.Equal(DeliveryState.Read, after[1].State);
        Assert.Equal(at.AddSeconds(1), after[1].DeliveredAt); // read implies delivered
        Assert.Equal(DeliveryState.Delivered, after[2].State);
        Assert.Equal(DeliveryState.Failed, after[3].State);
        Assert.StartsWith("131049", after[3].Error, StringComparison.Ordinal);
        Assert.Equal(DeliveryState.Sent, after[4].State);

        var progress = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}/progress");
        Assert.Equal(2, (int)progress["counts"]!["read"]!);
        Assert.Equal(1, (int)progress["counts"]!["delivered"]!);
        Assert.Equal(2, (int)progress["counts"]!["sent"]!);
        Assert.Equal(1, (int)progress["counts"]!["failed"]!);
    }

    [Fact]
    public async Task A_callback_faster_than_the_dispatchers_own_write_is_applied_once_the_send_is_recorded()
    {
        var n = await factory.NewsroomAsync(subscribers: 1);
        var updater = factory.Service<DeliveryStatusUpdater>();
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        // The platform's "delivered" arrives as the message is accepted, before the dispatcher has written "sent".
        factory.Recorder.Behavior = m =>
        {
            if (m.Channel.Id == n.ChannelId)
            {
                updater.Report(new StatusUpdate(n.ChannelId, "rec-" + m.DeliveryId + "-1", DeliveryState.Delivered, DateTime.UtcNow)).AsTask().Wait();
            }

            return null;
        };
        try
        {
            await BroadcastFactory.ApproveAsync(n, id);
            await BroadcastFactory.WaitUntilAsync(async () => (await factory.DeliveriesAsync(id)) is [{ State: DeliveryState.Delivered }], 20, "the early callback");
        }
        finally
        {
            factory.Recorder.Reset();
        }
    }

    [Fact]
    public async Task Two_nodes_on_one_database_send_every_message_exactly_once()
    {
        var n = await factory.NewsroomAsync(subscribers: 300, settings: new() { ["rateLimit"] = "300" });
        var channels = new List<Guid> { n.ChannelId };
        for (var i = 0; i < 3; i++)
        {
            var c = await n.Admin.PostJsonAsync("/api/v1/channels", new { kind = "Telegram", name = $"Telegram {i}", isSandbox = true, settings = new { rateLimit = "300" } });
            channels.Add(Guid.Parse(c.Id()));
            await factory.AddSubscribersAsync(n, channels[^1], 300, n.TopicId, $"{70 + i}");
        }

        await using var second = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            factory.Database.Configure(b);
            b.UseSetting("Database:SeedDemoOnStart", "false");
            b.UseSetting("Broadcast:Adapters:RecordAll", "true");
            b.UseSetting("Broadcast:ScanInterval", "00:00:00.100");
            b.UseSetting("Broadcast:IdlePoll", "00:00:00.050");
        });
        _ = second.Services; // start the second node
        var otherRecorder = second.Services.GetRequiredService<RecordingAdapter>();

        var id = await BroadcastFactory.ReadyBulletinAsync(n, channels: channels);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 60, "Sent");

        var deliveries = await factory.DeliveriesAsync(id);
        Assert.Equal(1200, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(1, factory.Recorder.TimesSent(d.Id) + otherRecorder.TimesSent(d.Id)));
        Assert.Equal(0, factory.Recorder.Duplicates + otherRecorder.Duplicates);
    }
}
