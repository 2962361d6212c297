using System.Collections.Concurrent;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Server.Tests.Api;
using Xunit;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>The dispatcher against a misbehaving platform (the recording adapter injects the failures): rate limits
/// with Retry-After, bursts of server errors, timeouts, permanent errors, a platform that is down, retries that run
/// out — and emergencies overtaking a routine broadcast, a subscriber leaving in the middle of one.</summary>
public sealed class DispatcherFaultTests(BroadcastFactory factory) : IClassFixture<BroadcastFactory>
{
    [Fact]
    public async Task A_rate_limit_with_Retry_After_pauses_the_whole_channel_and_the_message_is_tried_again()
    {
        var n = await factory.NewsroomAsync(subscribers: 30);
        DateTimeOffset? limitedAt = null;
        long? limitedDelivery = null;
        factory.Recorder.Behavior = m =>
        {
            if (m.Channel.Id != n.ChannelId || limitedAt is not null)
            {
                return null;
            }

            limitedAt = DateTimeOffset.UtcNow;
            limitedDelivery = m.DeliveryId;
            return new SendResult.RateLimited(TimeSpan.FromMilliseconds(600), "(#130429) Rate limit hit");
        };
        try
        {
            var id = await SendAsync(n);
            var messages = factory.Recorder.Messages.Where(m => m.PostId == id).ToList();
            Assert.Equal(30, messages.Count);
            // Sends already under way when the 429 came may finish; then nothing until the pause ends.
            Assert.DoesNotContain(messages, m => m.At > limitedAt!.Value.AddMilliseconds(150) && m.At < limitedAt.Value.AddMilliseconds(600));
            var retried = (await factory.DeliveriesAsync(id)).Single(d => d.Id == limitedDelivery);
            Assert.Equal(DeliveryState.Sent, retried.State);
            Assert.Equal(1, retried.Attempts); // a rate limit is not a failed attempt
            Assert.Equal(1, factory.Recorder.TimesSent(retried.Id));
        }
        finally
        {
            factory.Recorder.Reset();
        }
    }

    [Fact]
    public async Task A_burst_of_server_errors_is_retried_with_backoff_and_everything_is_sent_once()
    {
        var n = await factory.NewsroomAsync(subscribers: 20);
        var failed = new ConcurrentDictionary<long, int>();
        factory.Recorder.Behavior = m =>
        {
            // Senders run concurrently: counting and adding must be one step, or more than three fail.
            lock (failed)
            {
                return m.Channel.Id == n.ChannelId && failed.Count < 3 && failed.TryAdd(m.DeliveryId, 1)
                    ? new SendResult.Transient("HTTP 503 Service Unavailable")
                    : null;
            }
        };
        try
        {
            var id = await SendAsync(n);
            var deliveries = await factory.DeliveriesAsync(id);
            Assert.All(deliveries, d => Assert.Equal(DeliveryState.Sent, d.State));
            Assert.All(deliveries, d => Assert.Equal(1, factory.Recorder.TimesSent(d.Id)));
            Assert.Equal(3, deliveries.Count(d => d.Attempts == 2));
            Assert.All(deliveries.Where(d => failed.ContainsKey(d.Id)), d => Assert.Null(d.Error));
        }
        finally
        {
            factory.Recorder.Reset();
        }
    }

    [Fact]
    public async Task A_send_that_gets_no_answer_times_out_and_is_retried()
    {
        var n = await factory.NewsroomAsync(subscribers: 5);
        long? hung = null;
        factory.Recorder.DelayFor = m =>
        {
            if (m.Channel.Id == n.ChannelId && m.Attempt == 1 && (hung is null || hung == m.DeliveryId))
            {
                hung = m.DeliveryId;
                return TimeSpan.FromSeconds(30); // longer than the dispatcher's timeout (0.5 s in these tests)
            }

            return null;
        };
        try
        {
            var id = await SendAsync(n);
            var delivery = (await factory.DeliveriesAsync(id)).Single(d => d.Id == hung);
            Assert.Equal(DeliveryState.Sent, delivery.State);
            Assert.Equal(2, delivery.Attempts);
            Assert.Equal(1, factory.Recorder.TimesSent(delivery.Id));
        }
        finally
        {
            factory.Recorder.Reset();
        }
    }

    [Fact]
    public async Task A_permanent_error_fails_the_delivery_with_its_reason_and_a_blocked_recipient_is_unsubscribed()
    {
        var n = await factory.NewsroomAsync(subscribers: 10);
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        var subscribers = (await n.Admin.GetJsonAsync($"/api/v1/subscribers?channelId={n.ChannelId}&take=100"))["items"]!.Items().Select(s => long.Parse(s.Id(), System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        var undeliverable = subscribers[2];
        var blocked = subscribers[5];
        factory.Recorder.Behavior = m => m.SubscriberId == undeliverable ? new SendResult.Permanent("(#131026) Message undeliverable")
            : m.SubscriberId == blocked ? new SendResult.Permanent("403 Forbidden: bot was blocked by the user", RecipientGone: true)
            : null;
        try
        {
            await BroadcastFactory.ApproveAsync(n, id);
            await BroadcastFactory.WaitForStateAsync(n, id, 30, "PartlyFailed");
            var failed = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}/deliveries?state=Failed");
            Assert.Equal(2, (int)failed["total"]!);
            var reasons = failed["items"]!.Items().ToDictionary(d => (long)d["subscriberId"]!, d => (string?)d["error"]);
            Assert.Equal("(#131026) Message undeliverable", reasons[undeliverable]);
            Assert.All(failed["items"]!.Items(), d => Assert.Contains("•", (string?)d["maskedAddress"], StringComparison.Ordinal));
            Assert.All(await factory.DeliveriesAsync(id), d => Assert.Equal(1, d.Attempts)); // a permanent error is never retried

            var gone = await n.Admin.GetJsonAsync($"/api/v1/subscribers/{blocked}");
            Assert.Equal("Left", (string?)gone["status"]);
            Assert.Equal("Active", (string?)(await n.Admin.GetJsonAsync($"/api/v1/subscribers/{undeliverable}"))["status"]);
            var audit = await n.Admin.GetJsonAsync($"/api/v1/audit?objectType=subscriber&objectId={blocked}");
            Assert.Contains(audit.Items(), a => (string?)a["action"] == "subscriber.left");
        }
        finally
        {
            factory.Recorder.Reset();
        }
    }

    [Fact]
    public async Task While_the_platform_is_down_the_circuit_opens_and_after_recovery_everything_is_sent()
    {
        var n = await factory.NewsroomAsync(subscribers: 40);
        var down = true;
        var callsWhileDown = 0;
        factory.Recorder.Behavior = m =>
        {
            if (m.Channel.Id != n.ChannelId || !Volatile.Read(ref down))
            {
                return null;
            }

            Interlocked.Increment(ref callsWhileDown);
            return new SendResult.Transient("HTTP 502 Bad Gateway");
        };
        try
        {
            var id = await BroadcastFactory.ReadyBulletinAsync(n);
            await BroadcastFactory.ApproveAsync(n, id);
            await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref callsWhileDown) >= 5), 20, "the first failures");
            await Task.Delay(2000);
            // The sends in flight when it opened, then one probe per break (0.3 s, 0.6 s, then 1 s): not a retry storm
            // (40 deliveries retried every 50–400 ms would make well over a hundred calls in 2 s).
            Assert.InRange(Volatile.Read(ref callsWhileDown), 5, 32 + 8);
            Assert.DoesNotContain(await factory.DeliveriesAsync(id), d => d.State == DeliveryState.Failed);

            Volatile.Write(ref down, false);
            await BroadcastFactory.WaitForStateAsync(n, id, 30, "Sent");
            var deliveries = await factory.DeliveriesAsync(id);
            Assert.All(deliveries, d => Assert.Equal(DeliveryState.Sent, d.State));
            Assert.All(deliveries, d => Assert.Equal(1, factory.Recorder.TimesSent(d.Id)));
        }
        finally
        {
            factory.Recorder.Reset();
        }
    }

    [Fact]
    public async Task A_delivery_that_keeps_failing_is_given_up_after_the_maximum_attempts()
    {
        var n = await factory.NewsroomAsync(subscribers: 6);
        long? doomed = null;
        factory.Recorder.Behavior = m =>
        {
            if (m.Channel.Id != n.ChannelId)
            {
                return null;
            }

            doomed ??= m.DeliveryId;
            return m.DeliveryId == doomed ? new SendResult.Transient("HTTP 500 Internal Server Error") : null;
        };
        try
        {
            var id = await BroadcastFactory.ReadyBulletinAsync(n);
            await BroadcastFactory.ApproveAsync(n, id);
            await BroadcastFactory.WaitForStateAsync(n, id, 30, "PartlyFailed");
            var delivery = (await factory.DeliveriesAsync(id)).Single(d => d.Id == doomed);
            Assert.Equal(DeliveryState.Failed, delivery.State);
            Assert.Equal(8, delivery.Attempts);
            Assert.Equal("Gave up after 8 attempts: HTTP 500 Internal Server Error", delivery.Error);
        }
        finally
        {
            factory.Recorder.Reset();
        }
    }

    [Fact]
    public async Task An_emergency_overtakes_a_routine_broadcast_on_the_same_channel()
    {
        var n = await factory.NewsroomAsync(subscribers: 400, settings: new() { ["rateLimit"] = "100" });
        var routine = await BroadcastFactory.ReadyBulletinAsync(n);
        var emergency = await BroadcastFactory.ReadyBulletinAsync(n, "Emergency");
        await BroadcastFactory.ApproveAsync(n, routine);
        await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(factory.Recorder.Messages.Count(m => m.PostId == routine) >= 50), 30, "50 routine messages");
        await BroadcastFactory.ApproveAsync(n, emergency);
        await BroadcastFactory.WaitForStateAsync(n, emergency, 30, "Sent");
        var messages = factory.Recorder.Messages.Where(m => m.ChannelId == n.ChannelId).OrderBy(m => m.At).ToList();
        var lastEmergency = messages.FindLastIndex(m => m.PostId == emergency);
        var firstEmergency = messages.FindIndex(m => m.PostId == emergency);
        // Between the first and the last emergency message, no routine one but those a sender had already taken when the
        // emergency was claimed (the emergency is first in the queue; a sender that took a routine message just before, then
        // lost the CPU, records it a moment later): at most one per concurrent sender, where a queue in order would have
        // sent the 350 routine messages left first. Before the first, at most what the channel had already claimed went out.
        var interleaved = messages.Skip(firstEmergency).Take(lastEmergency - firstEmergency).Count(m => m.PostId == routine);
        Assert.True(interleaved <= new BroadcastOptions().MaxConcurrentSends, $"{interleaved} routine messages went out in the middle of the emergency");
        Assert.Equal(400, messages.Count(m => m.PostId == emergency));
        Assert.True(messages.Count(m => m.PostId == routine) < 400, "the routine broadcast was not finished when the emergency went out");
        await BroadcastFactory.WaitForStateAsync(n, routine, 60, "Sent");
    }

    [Fact]
    public async Task A_subscriber_who_leaves_in_the_middle_of_a_broadcast_receives_nothing_after_leaving()
    {
        var n = await factory.NewsroomAsync(subscribers: 200, settings: new() { ["rateLimit"] = "100" });
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(factory.Recorder.Messages.Count(m => m.PostId == id) >= 40), 30, "40 messages sent");
        var last = (await factory.DeliveriesAsync(id)).MaxBy(d => d.Id)!;
        await n.Admin.PatchJsonAsync($"/api/v1/subscribers/{last.SubscriberId}", new { status = "Left" });
        var leftAt = DateTimeOffset.UtcNow;

        await BroadcastFactory.WaitForStateAsync(n, id, 60, "Sent");
        Assert.Equal(DeliveryState.Cancelled, (await factory.DeliveriesAsync(id)).Single(d => d.Id == last.Id).State);
        Assert.DoesNotContain(factory.Recorder.Messages, m => m.SubscriberId == last.SubscriberId);
        Assert.Contains(factory.Recorder.Messages, m => m.PostId == id && m.At > leftAt); // the broadcast went on for the others
        var progress = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}/progress");
        Assert.Equal(199, (int)progress["counts"]!["sent"]!);
        Assert.Equal(1, (int)progress["counts"]!["cancelled"]!);
    }

    private static async Task<Guid> SendAsync(Newsroom n)
    {
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 30, "Sent");
        return id;
    }
}
