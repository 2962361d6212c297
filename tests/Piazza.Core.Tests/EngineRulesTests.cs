using Microsoft.Extensions.Time.Testing;
using Piazza.Broadcast;
using Xunit;

namespace Piazza.Core.Tests;

/// <summary>The dispatcher's token bucket and circuit breaker, on a clock the test moves.</summary>
public sealed class EngineRulesTests
{
    [Fact]
    public async Task The_token_bucket_lets_one_message_leave_every_interval()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var bucket = new TokenBucket(10, time); // 10 a second: one every 100 ms
        Assert.True(bucket.WaitAsync(CancellationToken.None).AsTask().IsCompleted);
        var second = bucket.WaitAsync(CancellationToken.None).AsTask();
        var third = bucket.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second;
        Assert.False(third.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(100));
        await third;
    }

    [Fact]
    public void Idle_time_allows_a_burst_of_at_most_the_bucket_size()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var bucket = new TokenBucket(100, time, burst: 20);
        time.Advance(TimeSpan.FromSeconds(10)); // long idle
        var immediate = Enumerable.Range(0, 40).Count(_ => bucket.WaitAsync(CancellationToken.None).AsTask().IsCompleted);
        Assert.Equal(20, immediate);
    }

    [Fact]
    public void A_pause_holds_every_message_until_it_ends()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var bucket = new TokenBucket(1000, time, burst: 10);
        bucket.PauseUntil(time.GetUtcNow().AddSeconds(2));
        var next = bucket.WaitAsync(CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(next.IsCompleted);
    }

    [Fact]
    public void The_circuit_opens_after_repeated_failures_then_lets_one_probe_through()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var circuit = new CircuitBreaker(time, failures: 3, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(25));
        Assert.Equal(int.MaxValue, circuit.Allowance());
        Assert.False(circuit.OnFailure());
        Assert.False(circuit.OnFailure());
        Assert.True(circuit.OnFailure()); // the third in a row opens it
        Assert.Equal(CircuitBreaker.Status.Open, circuit.State);
        Assert.Equal(0, circuit.Allowance());
        Assert.False(circuit.AllowsSend());

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(CircuitBreaker.Status.HalfOpen, circuit.State);
        Assert.Equal(1, circuit.Allowance()); // one probe
        Assert.Equal(0, circuit.Allowance()); // and only one
        Assert.True(circuit.AllowsSend());

        Assert.True(circuit.OnFailure()); // the probe failed: open again, twice as long
        Assert.Equal(time.GetUtcNow().AddSeconds(20), circuit.OpenUntil);
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, circuit.Allowance());
        Assert.True(circuit.OnFailure());
        Assert.Equal(time.GetUtcNow().AddSeconds(25), circuit.OpenUntil); // capped

        time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(1, circuit.Allowance());
        circuit.OnSuccess(); // the platform is back
        Assert.Equal(CircuitBreaker.Status.Closed, circuit.State);
        Assert.Equal(int.MaxValue, circuit.Allowance());
        Assert.False(circuit.OnFailure()); // counting starts again
    }

    [Fact]
    public void A_success_between_failures_keeps_the_circuit_closed()
    {
        var time = new FakeTimeProvider();
        var circuit = new CircuitBreaker(time, failures: 3, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));
        circuit.OnFailure();
        circuit.OnFailure();
        circuit.OnSuccess();
        circuit.OnFailure();
        circuit.OnFailure();
        Assert.Equal(CircuitBreaker.Status.Closed, circuit.State);
    }
}
