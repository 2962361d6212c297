using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Piazza.Channels;
using Piazza.Posts;

namespace Piazza.Broadcast;

/// <summary>What every channel worker of a node shares.</summary>
public sealed class WorkerServices(
    IServiceScopeFactory scopes, SqliteWriteGate gate, EngineData data, ChannelAdapters adapters, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<BroadcastOptions> options, BroadcastSignals signals, ILogger<ChannelWorker> logger)
{
    public IServiceScopeFactory Scopes { get; } = scopes;

    public SqliteWriteGate Gate { get; } = gate;

    public EngineData Data { get; } = data;

    public ChannelAdapters Adapters { get; } = adapters;

    public TimeProvider Time { get; } = time;

    public BroadcastOptions Options => options.Value;

    public BroadcastSignals Signals { get; } = signals;

    public ILogger Logger { get; } = logger;
}

/// <summary>
/// Sends one channel's deliveries while this node holds the channel's lease. A pipeline: the claimer takes small
/// batches from the queue (emergencies first, never more than <see cref="BroadcastOptions.ClaimAhead"/> of work at the
/// channel's rate, so an emergency overtakes a routine broadcast at once); senders pace them with the channel's token
/// bucket and call the adapter; the completer writes the outcomes in batches. Rate limits pause the channel, transient
/// failures are retried with exponential backoff and jitter, repeated ones open the channel's circuit.
/// </summary>
public sealed class ChannelWorker : IAsyncDisposable
{
    private readonly WorkerServices _s;
    private readonly PriorityBuffer _buffer = new();
    private readonly Channel<DeliveryOutcome> _outcomes = System.Threading.Channels.Channel.CreateUnbounded<DeliveryOutcome>();
    private readonly List<long> _gone = [];
    private readonly List<long> _failed = [];
    private readonly EngineDb _claimDb;
    private readonly EngineDb _completeDb;
    private readonly EngineDb _readDb;
    private readonly CircuitBreaker _circuit;
    private ChannelSnapshot _channel = null!;
    private IChannelAdapter? _adapter;
    private TokenBucket _bucket = null!;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _refreshedAt;
    private DateTimeOffset _lastEmergencyCheck;
    private bool _emergencyMode;
    private bool _woken;
    private int _sending;
    private int _unwritten;
    private readonly SemaphoreSlim _written = new(0, 1);

    public ChannelWorker(Guid channelId, WorkerServices services)
    {
        ChannelId = channelId;
        _s = services;
        _claimDb = new EngineDb(services.Scopes, services.Gate) { Background = true };
        _completeDb = new EngineDb(services.Scopes, services.Gate) { Background = true };
        _readDb = new EngineDb(services.Scopes, services.Gate);
        var o = services.Options;
        _circuit = new CircuitBreaker(services.Time, o.CircuitFailures, o.CircuitBreak, o.CircuitBreakMax);
        LeaseValidUntil = DateTimeOffset.MaxValue;
    }

    public Guid ChannelId { get; }

    /// <summary>Set by the node when it renews the lease; the worker stops claiming once it passes.</summary>
    public DateTimeOffset LeaseValidUntil { get; set; }

    public CircuitBreaker Circuit => _circuit;

    private DateTime Now => _s.Time.GetUtcNow().UtcDateTime;

    /// <summary>Loads the channel; false when it no longer exists.</summary>
    public async Task<bool> LoadAsync(CancellationToken ct)
    {
        var snapshot = await _claimDb.RunAsync(s => _s.Data.LoadChannelAsync(s.Db, ChannelId, ct), ct);
        if (snapshot is null)
        {
            return false;
        }

        _channel = snapshot;
        _adapter = _s.Adapters.For(snapshot.Account.Kind, snapshot.Account.IsSandbox);
        var burst = Math.Max(1, snapshot.Rate / 50); // 20 ms of traffic at once, at most
        if (_bucket is null)
        {
            _bucket = new TokenBucket(snapshot.Rate, _s.Time, burst);
        }
        else
        {
            _bucket.SetRate(snapshot.Rate, burst);
        }

        _refreshedAt = _s.Time.GetUtcNow();
        return true;
    }

    /// <summary>Runs the pipeline until the channel has no work for a while, the lease is lost, the channel is
    /// disabled or the node stops. What was claimed and not sent is given back to the queue.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        if (!await LoadAsync(stopping))
        {
            return;
        }

        // Anything in flight on this channel belonged to a worker that is gone (this node holds the lease now).
        var requeued = await _claimDb.RunAsync(s => s.RequeueInFlightAsync(ChannelId, Now, stopping), stopping);
        if (requeued > 0)
        {
            _s.Logger.LogWarning("Channel {Channel}: {Count} deliveries in flight on a previous worker were queued again", ChannelId, requeued);
        }

        using var senders = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var completer = CompleteLoopAsync();
        var sendTasks = Enumerable.Range(0, Math.Max(1, _s.Options.MaxConcurrentSends)).Select(_ => SendLoopAsync(senders.Token)).ToList();
        try
        {
            await ClaimLoopAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _s.Logger.LogError(e, "Channel {Channel}: the claim loop failed", ChannelId);
        }

        // Stop: the senders finish what they are sending; the rest goes back to the queue.
        _buffer.Complete();
        await Task.WhenAll(sendTasks);
        foreach (var d in _buffer.DrainAll())
        {
            Interlocked.Increment(ref _unwritten);
            await _outcomes.Writer.WriteAsync(GiveBack(d, Now), CancellationToken.None);
        }

        _outcomes.Writer.Complete();
        await completer;
    }

    /// <summary>One pass without the pipeline, for tests that control the clock: claims every due delivery (in
    /// batches), sends each in turn through the same steps as <see cref="RunAsync"/>, writes the outcomes.
    /// Returns how many were claimed.</summary>
    public async Task<int> PumpAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return 0;
        }

        var total = 0;
        while (true)
        {
            var claimed = await ClaimOnceAsync(ct);
            if (claimed is null || claimed.Count == 0)
            {
                return total;
            }

            total += claimed.Count;
            var outcomes = new List<DeliveryOutcome>();
            foreach (var d in claimed)
            {
                outcomes.Add(await ProcessAsync(d, ct));
            }

            await WriteAsync(outcomes, ct);
        }
    }

    private async Task ClaimLoopAsync(CancellationToken ct)
    {
        DateTimeOffset? idleSince = null;
        while (!ct.IsCancellationRequested)
        {
            var now = _s.Time.GetUtcNow();
            if (now >= LeaseValidUntil)
            {
                _s.Logger.LogWarning("Channel {Channel}: lease lost, stopping", ChannelId);
                return;
            }

            if (now - _refreshedAt > TimeSpan.FromSeconds(30) && !await LoadAsync(ct))
            {
                return;
            }

            if (!_channel.Enabled)
            {
                return;
            }

            var capacity = Math.Clamp((int)(_channel.Rate * _s.Options.ClaimAhead.TotalSeconds), 1, _s.Options.MaxBatch * 2);
            // Outcomes not yet written stay bounded (two completion batches): when the database writes them slower than
            // the adapter sends, the claims slow down, instead of outcomes piling up in memory as deliveries in flight
            // that a crash would send again.
            if (Volatile.Read(ref _unwritten) >= Math.Max(capacity, _s.Options.MaxBatch * 4))
            {
                await WaitForWritesAsync(ct);
                continue;
            }

            // While emergencies are coming, routine work already claimed does not take their room: it waits. The
            // buffer is refilled once it is down to half, so a rate-limited channel claims half its claim-ahead at a
            // time (at 1,000/s: 8 claims a second), not one row for every message that leaves.
            var queued = _emergencyMode ? _buffer.UrgentCount : _buffer.Count;
            var room = capacity - queued;
            if (queued > capacity / 2)
            {
                // Full of routine work: an emergency released meanwhile must not queue behind it. Look for one at
                // each wake-up and at least every poll interval, and claim it ahead of the routine work.
                if (!_emergencyMode && (_woken || _s.Signals.TakeWake(ChannelId) || now - _lastEmergencyCheck >= _s.Options.IdlePoll))
                {
                    _woken = false;
                    _lastEmergencyCheck = now;
                    var urgent = await ClaimOnceAsync(ct, capacity, PostPriority.Emergency);
                    if (urgent is { Count: > 0 })
                    {
                        _emergencyMode = true;
                        _buffer.Add(urgent);
                        continue;
                    }
                }

                // Until the buffer is down to half, or a release wakes the channel (then an emergency is looked for
                // at once: the buffer may take a quarter second to drain).
                await _buffer.WaitForRoomAsync(
                    () => (_emergencyMode ? _buffer.UrgentCount : _buffer.Count) <= capacity / 2 || (!_emergencyMode && (_woken = _s.Signals.TakeWake(ChannelId))),
                    _s.Options.IdlePoll, _s.Time, ct);
                continue;
            }

            if (!_emergencyMode && _s.Signals.RoutineHeld)
            {
                // An emergency is being released on this node: no routine claims until it is written (its release
                // wakes this worker).
                await WaitAsync(_s.Options.IdlePoll, ct);
                continue;
            }

            var claimed = await ClaimOnceAsync(ct, room, _emergencyMode ? PostPriority.Emergency : null);
            if (claimed is null)
            {
                // Paused or circuit open: wait for the end of the pause (or a wake-up).
                var until = _pausedUntil > now ? _pausedUntil : _circuit.OpenUntil;
                await WaitAsync(Min(until - now, _s.Options.IdlePoll), ct);
                continue;
            }

            if (_emergencyMode && claimed.Count == 0)
            {
                _emergencyMode = false; // every emergency is claimed: back to the routine work
                continue;
            }

            _emergencyMode = _emergencyMode || claimed.Any(d => d.Priority == PostPriority.Emergency);
            if (claimed.Count > 0)
            {
                idleSince = null;
                _buffer.Add(claimed);
                continue;
            }

            if (_buffer.Count > 0 || Volatile.Read(ref _sending) > 0)
            {
                await WaitAsync(_s.Options.IdlePoll, ct);
                continue;
            }

            var next = await _claimDb.RunAsync(s => s.NextDueAsync(ChannelId, PostPriority.Normal, ct), ct);
            var quietBlocks = next is { } n && n <= Now && _channel.Policy.IsQuiet(Now);
            if (quietBlocks)
            {
                // Routine work waits for the end of the quiet hours; keep the lease so emergencies still go at once.
                idleSince = null;
                await WaitAsync(_s.Options.IdlePoll, ct);
                continue;
            }

            idleSince ??= now;
            if (next is null || next.Value > Now + _s.Options.WorkerIdleTimeout)
            {
                if (now - idleSince.Value >= _s.Options.WorkerIdleTimeout)
                {
                    return; // nothing soon: the node starts a worker again when work is due
                }
            }

            var wait = next is { } due && due > Now ? Min(due - Now, _s.Options.IdlePoll) : _s.Options.IdlePoll;
            await WaitAsync(wait, ct);
        }
    }

    /// <summary>Claims the next batch (only emergencies with <paramref name="only"/>); null when the channel may not
    /// send now (paused, circuit open).</summary>
    private async Task<List<ClaimedDelivery>?> ClaimOnceAsync(CancellationToken ct, int room = int.MaxValue, PostPriority? only = null)
    {
        var now = Now;
        if (_s.Time.GetUtcNow() < _pausedUntil)
        {
            return null;
        }

        var allowance = _circuit.Allowance();
        if (allowance == 0)
        {
            return null;
        }

        var limit = Math.Min(Math.Min(room, _s.Options.MaxBatch), allowance);
        var minPriority = only ?? (_channel.Policy.IsQuiet(now) ? PostPriority.Emergency : PostPriority.Normal);
        var claimed = await _claimDb.RunAsync(s => s.ClaimAsync(ChannelId, now, limit, minPriority, ct, _channel.Account.Kind == ChannelKind.WhatsApp), ct);
        if (claimed.Count == 0 && allowance == 1)
        {
            _circuit.ProbeNotSent();
        }

        return claimed;
    }

    private async Task SendLoopAsync(CancellationToken ct)
    {
        while (await _buffer.WaitAsync(ct))
        {
            // The channel's pace first, then the delivery: what leaves with this token is the most urgent one waiting
            // now, so an emergency claimed meanwhile is not queued behind routine messages that senders already hold.
            await _bucket.WaitAsync(ct);
            if (!_buffer.TryTake(out var d))
            {
                continue;
            }

            Interlocked.Increment(ref _sending);
            try
            {
                var outcome = await ProcessAsync(d, ct, tokenTaken: true);
                Interlocked.Increment(ref _unwritten);
                await _outcomes.Writer.WriteAsync(outcome, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _unwritten);
                await _outcomes.Writer.WriteAsync(GiveBack(d, Now), CancellationToken.None);
            }
            finally
            {
                Interlocked.Decrement(ref _sending);
            }
        }
    }

    /// <summary>Sends one claimed delivery and says what became of it.</summary>
    /// <param name="tokenTaken">The channel's token bucket was already waited for (the send loop does so before taking).</param>
    private async Task<DeliveryOutcome> ProcessAsync(ClaimedDelivery d, CancellationToken ct, bool tokenTaken = false)
    {
        var now = Now;
        if (d.SubscriberId > 0 && d.Address is null)
        {
            return new DeliveryOutcome(d.Id, DeliveryState.Cancelled, null, null, "The subscriber left before it was sent.", now);
        }

        if (_adapter is null)
        {
            return new DeliveryOutcome(d.Id, DeliveryState.Failed, null, null, $"Piazza cannot send on {_channel.Account.Kind} channels yet.", now);
        }

        if (d.Priority != PostPriority.Emergency && _channel.Policy.IsQuiet(now))
        {
            return GiveBack(d, _channel.Policy.QuietEnds(now));
        }

        // Its own session, no write gate: the senders must not wait for a claim or a completion (the texts are cached).
        var bulletin = await _readDb.ReadAsync(s => _s.Data.BulletinAsync(s.Db, d.PostId, now, ct), ct);
        if (bulletin is null || bulletin.Cancelled)
        {
            return new DeliveryOutcome(d.Id, DeliveryState.Cancelled, null, null, "The bulletin was cancelled.", now);
        }

        if (!_circuit.AllowsSend() || _s.Time.GetUtcNow() < _pausedUntil)
        {
            return Requeued(d);
        }

        if (!tokenTaken)
        {
            await _bucket.WaitAsync(ct);
        }

        if (_s.Time.GetUtcNow() < _pausedUntil || !_circuit.AllowsSend())
        {
            return Requeued(d);
        }

        var message = Build(d, bulletin);
        SendResult result;
        using (var timeout = new CancellationTokenSource(_s.Options.SendTimeout, _s.Time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token))
        {
            try
            {
                result = await _adapter.SendAsync(message, linked.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                result = new SendResult.Transient($"No answer within {_s.Options.SendTimeout.TotalSeconds:0.#} s.");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                result = new SendResult.Transient(e.GetType().Name + ": " + e.Message);
            }
        }

        return Outcome(d, result);
    }

    private DeliveryOutcome Outcome(ClaimedDelivery d, SendResult result)
    {
        var now = Now;
        switch (result)
        {
            case SendResult.Sent sent:
                _circuit.OnSuccess();
                return new DeliveryOutcome(d.Id, DeliveryState.Sent, now, sent.PlatformMessageId, null, now);
            case SendResult.RateLimited limited:
                var until = _s.Time.GetUtcNow() + (limited.RetryAfter is { } ra && ra > TimeSpan.Zero ? ra : _s.Options.DefaultRetryAfter);
                lock (_buffer)
                {
                    if (until > _pausedUntil)
                    {
                        _pausedUntil = until;
                    }
                }

                _bucket.PauseUntil(until);
                _s.Logger.LogWarning("Channel {Channel}: rate limited by the platform ({Reason}); paused until {Until:O}", ChannelId, limited.Reason, until);
                return new DeliveryOutcome(d.Id, DeliveryState.Queued, null, null, "Rate limited: " + limited.Reason, until.UtcDateTime, CountsAsAttempt: false);
            case SendResult.Transient transient:
                if (_circuit.OnFailure())
                {
                    _s.Logger.LogWarning("Channel {Channel}: circuit open until {Until:O} after repeated failures ({Reason})", ChannelId, _circuit.OpenUntil, transient.Reason);
                }

                if (d.Attempts >= _s.Options.MaxAttempts)
                {
                    return new DeliveryOutcome(d.Id, DeliveryState.Failed, null, null, $"Gave up after {d.Attempts} attempts: {transient.Reason}", now);
                }

                var delay = Backoff(d.Attempts);
                if (transient.RetryAfter is { } hint && hint > delay)
                {
                    delay = hint;
                }

                var due = now + delay;
                if (_circuit.State != CircuitBreaker.Status.Closed && _circuit.OpenUntil.UtcDateTime > due)
                {
                    due = _circuit.OpenUntil.UtcDateTime;
                }

                return new DeliveryOutcome(d.Id, DeliveryState.Queued, null, null, transient.Reason, due);
            case SendResult.Deferred deferred:
                _circuit.OnSuccess(); // the platform answered: it is up
                return new DeliveryOutcome(d.Id, DeliveryState.Queued, null, null, "Deferred: " + deferred.Reason, now + deferred.RetryAfter, CountsAsAttempt: false);
            case SendResult.Permanent permanent:
                _circuit.OnSuccess(); // the platform answered: it is up
                if (permanent.RecipientGone && d.SubscriberId > 0)
                {
                    lock (_gone)
                    {
                        _gone.Add(d.SubscriberId);
                    }
                }
                else if (d.SubscriberId > 0)
                {
                    lock (_gone)
                    {
                        _failed.Add(d.SubscriberId);
                    }
                }

                return new DeliveryOutcome(d.Id, DeliveryState.Failed, null, null, permanent.Reason, now);
            default:
                return new DeliveryOutcome(d.Id, DeliveryState.Failed, null, null, "Unknown result from the adapter.", now);
        }
    }

    /// <summary>Exponential backoff with jitter: base × 2^(attempt−1), capped, then a random 50–100 % of it.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var o = _s.Options;
        var ticks = Math.Min(o.RetryMax.Ticks, o.RetryBase.Ticks * Math.Pow(2, Math.Max(0, attempt - 1)));
        return TimeSpan.FromTicks((long)(ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));
    }

    private OutboundMessage Build(ClaimedDelivery d, BulletinTexts bulletin)
    {
        IReadOnlyList<BulletinText> texts;
        var group = d.SubscriberId < 0 && _channel.Groups is { } groups && -d.SubscriberId <= groups.Count ? groups[(int)(-d.SubscriberId - 1)] : null;
        if (d.SubscriberId <= 0 && group is null or "*" && _channel.PostLanguages.Count > 0)
        {
            var many = _channel.PostLanguages.Where(bulletin.Texts.ContainsKey).Select(l => bulletin.Texts[l]).ToList();
            texts = many.Count > 0 ? many : [bulletin.Texts[d.Language]];
        }
        else
        {
            texts = bulletin.Texts.TryGetValue(d.Language, out var text) ? [text] : [bulletin.Texts.Values.First()];
        }

        return new OutboundMessage(
            d.Id, Delivery.IdempotencyKey(d.PostId, ChannelId, d.SubscriberId), _channel.Account, d.Address, d.SubscriberId,
            texts, d.PostId, bulletin.TopicKey, d.Priority, d.Attempts, d.LastInboundAt, group, bulletin.ToEveryone);
    }

    /// <summary>Back to the queue, not counted as an attempt (the channel is paused or its circuit is open).</summary>
    private DeliveryOutcome Requeued(ClaimedDelivery d)
    {
        if (_circuit.State == CircuitBreaker.Status.HalfOpen)
        {
            _circuit.ProbeNotSent(); // only the probe is claimed while half-open
        }

        var until = _pausedUntil > _s.Time.GetUtcNow() ? _pausedUntil.UtcDateTime : Max(_circuit.OpenUntil.UtcDateTime, Now);
        return GiveBack(d, until);
    }

    private static DeliveryOutcome GiveBack(ClaimedDelivery d, DateTime due) =>
        new(d.Id, DeliveryState.Queued, null, null, null, due, CountsAsAttempt: false);

    private async Task CompleteLoopAsync()
    {
        var batch = new List<DeliveryOutcome>();
        var reader = _outcomes.Reader;
        while (await reader.WaitToReadAsync())
        {
            var flushAt = _s.Time.GetUtcNow() + _s.Options.CompletionFlush;
            while (batch.Count < _s.Options.MaxBatch * 2)
            {
                if (reader.TryRead(out var o))
                {
                    batch.Add(o);
                    continue;
                }

                var left = flushAt - _s.Time.GetUtcNow();
                if (left <= TimeSpan.Zero || reader.Completion.IsCompleted)
                {
                    break;
                }

                using var wait = new CancellationTokenSource(left, _s.Time);
                try
                {
                    if (!await reader.WaitToReadAsync(wait.Token))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            await WriteAsync(batch, CancellationToken.None);
            Interlocked.Add(ref _unwritten, -batch.Count);
            batch.Clear();
            if (_written.CurrentCount == 0)
            {
                try
                {
                    _written.Release();
                }
                catch (SemaphoreFullException)
                {
                }
            }
        }
    }

    /// <summary>Waits until the completer has written a batch (at most one poll interval).</summary>
    private async Task WaitForWritesAsync(CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(_s.Options.IdlePoll, _s.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await _written.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes outcomes; keeps trying while the database is unreachable (a sent message must not be sent again).</summary>
    private async Task WriteAsync(List<DeliveryOutcome> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _completeDb.RunAsync(s => s.CompleteAsync(batch, ct), ct);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Keep trying (the database may be restarting): until the outcomes are written the deliveries stay
                // in flight, and a message is sent again only if this node dies meanwhile.
                _s.Logger.LogError(e, "Channel {Channel}: could not record {Count} outcomes (attempt {Attempt}); retrying", ChannelId, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * attempt)), _s.Time, ct);
            }
        }

        List<long> gone, failed;
        lock (_gone)
        {
            gone = [.. _gone];
            _gone.Clear();
            failed = [.. _failed];
            _failed.Clear();
        }

        if (gone.Count > 0)
        {
            await Subscribers.SubscriberService.MarkGoneAsync(_s.Scopes, _channel.Account.OrganizationId, gone, "The platform says the person blocked or left the account.", ct);
        }

        if (failed.Count > 0)
        {
            await Subscribers.SubscriberService.MarkUnreachableAsync(_s.Scopes, failed, _s.Options.UnreachableAfter, ct);
        }

        if (batch.Any(o => o.State != DeliveryState.Queued))
        {
            _s.Signals.DeliveriesFinished();
        }
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken ct)
    {
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        await _s.Signals.WaitForWorkAsync(ChannelId, wait, _s.Time, ct);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    public async ValueTask DisposeAsync()
    {
        await _claimDb.DisposeAsync();
        await _completeDb.DisposeAsync();
        await _readDb.DisposeAsync();
        _buffer.Dispose();
        _written.Dispose();
    }

    /// <summary>Claimed deliveries waiting for a sender: emergencies are taken first.</summary>
    private sealed class PriorityBuffer : IDisposable
    {
        private readonly Queue<ClaimedDelivery> _urgent = new();
        private readonly Queue<ClaimedDelivery> _routine = new();
        private readonly SemaphoreSlim _items = new(0);
        private readonly SemaphoreSlim _room = new(0);
        private bool _completed;

        public int Count
        {
            get
            {
                lock (_urgent)
                {
                    return _urgent.Count + _routine.Count;
                }
            }
        }

        public int UrgentCount
        {
            get
            {
                lock (_urgent)
                {
                    return _urgent.Count;
                }
            }
        }

        public void Add(List<ClaimedDelivery> items)
        {
            lock (_urgent)
            {
                foreach (var d in items)
                {
                    (d.Priority == PostPriority.Emergency ? _urgent : _routine).Enqueue(d);
                }
            }

            _items.Release(items.Count);
        }

        public async Task<bool> WaitAsync(CancellationToken ct)
        {
            try
            {
                await _items.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            lock (_urgent)
            {
                return !_completed;
            }
        }

        public bool TryTake(out ClaimedDelivery d)
        {
            lock (_urgent)
            {
                if (_completed)
                {
                    d = null!;
                    return false;
                }

                if (_urgent.TryDequeue(out d!) || _routine.TryDequeue(out d!))
                {
                    _room.Release();
                    return true;
                }

                return false;
            }
        }

        public async Task WaitForRoomAsync(Func<bool> hasRoom, TimeSpan max, TimeProvider time, CancellationToken ct)
        {
            using var timeout = new CancellationTokenSource(max, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            try
            {
                while (!hasRoom())
                {
                    await _room.WaitAsync(linked.Token);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
        }

        /// <summary>No more sends: waiting senders return.</summary>
        public void Complete()
        {
            lock (_urgent)
            {
                _completed = true;
            }

            _items.Release(1024);
        }

        public void Dispose()
        {
            _items.Dispose();
            _room.Dispose();
        }

        public List<ClaimedDelivery> DrainAll()
        {
            lock (_urgent)
            {
                var all = _urgent.Concat(_routine).ToList();
                _urgent.Clear();
                _routine.Clear();
                return all;
            }
        }
    }
}
