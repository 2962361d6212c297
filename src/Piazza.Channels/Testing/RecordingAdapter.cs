using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Piazza.Channels.Formatting;
using Piazza.Posts;

namespace Piazza.Channels.Testing;

/// <summary>Settings of the recording adapter (section "Broadcast:Recording").</summary>
public sealed class RecordingOptions
{
    public const string Section = "Broadcast:Recording";

    /// <summary>How many recent messages to keep with their text (0: keep none, only counts — for the benchmark).</summary>
    public int KeepMessages { get; set; } = 10_000;

    /// <summary>Append each sent delivery's id to this file (one per line, written at once): a test that kills the
    /// server can still count what it sent.</summary>
    public string? LogFile { get; set; }
}

/// <summary>
/// The test adapter: accepts every message for any platform, renders it as the platform would show it, and records
/// it; tests inject failures through <see cref="Behavior"/> and <see cref="Delay"/>. Used by the tests, the benchmark
/// and — until their platform's simulator exists — by sandbox channels, so staff can try the whole workflow.
/// </summary>
public sealed class RecordingAdapter : IChannelAdapter, IDisposable
{
    private readonly TimeProvider _time;
    private readonly ChannelCatalog _catalog;
    private readonly RecordingOptions _options;
    private readonly ConcurrentQueue<RecordedMessage> _messages = new();
    private readonly ConcurrentQueue<RecordedReply> _replies = new();
    private long _replyCount;
    private readonly Counter _counts = new();
    private readonly object _fileLock = new();
    private StreamWriter? _log;
    private long _calls;

    public RecordingAdapter(TimeProvider time, ChannelCatalog catalog, IOptions<RecordingOptions> options)
    {
        _time = time;
        _catalog = catalog;
        _options = options.Value;
        if (!string.IsNullOrEmpty(_options.LogFile))
        {
            _log = new StreamWriter(new FileStream(_options.LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }
    }

    public ChannelKind? Kind => null;

    /// <summary>Decides the platform's answer to a message (null: accept it). Tests set it to inject 429s, 5xx,
    /// timeouts (combine with <see cref="Delay"/>), permanent errors…</summary>
    public Func<OutboundMessage, SendResult?>? Behavior { get; set; }

    /// <summary>How long each send takes (on the server's clock).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>How long one message's send takes, when it differs (e.g. hangs until the dispatcher's timeout).</summary>
    public Func<OutboundMessage, TimeSpan?>? DelayFor { get; set; }

    /// <summary>Called for every message accepted (the benchmark times the first emergency).</summary>
    public event Action<OutboundMessage>? Accepted;

    /// <summary>Recent accepted messages, oldest first (at most <see cref="RecordingOptions.KeepMessages"/>).</summary>
    public IReadOnlyList<RecordedMessage> Messages => [.. _messages];

    /// <summary>Calls of <see cref="SendAsync"/>, failures included.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Messages accepted in all.</summary>
    public long AcceptedCount => _counts.Total;

    /// <summary>How many times the delivery was accepted (more than once = sent twice).</summary>
    public int TimesSent(long deliveryId) => _counts.Get(deliveryId);

    /// <summary>Deliveries accepted more than once, and how many extra times.</summary>
    public long Duplicates => _counts.Extra;

    public async Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        var delay = DelayFor?.Invoke(message) ?? Delay;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, ct);
        }

        if (Behavior?.Invoke(message) is { } result)
        {
            return result;
        }

        _counts.Add(message.DeliveryId);
        if (_log is not null)
        {
            lock (_fileLock)
            {
                _log.WriteLine(message.DeliveryId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        if (_options.KeepMessages > 0)
        {
            var format = _catalog.Find(message.Channel.Kind)?.Format ?? MessageFormat.PlainText;
            var rendered = MessageFormatter.RenderMany(format, message.Texts.Select(t => (t.Title, t.Markdown)).ToList());
            _messages.Enqueue(new RecordedMessage(
                message.DeliveryId, message.Channel.Id, message.Channel.Kind, message.Address, message.SubscriberId, string.Join(',', message.Texts.Select(t => t.Language)),
                rendered.Text, message.Priority, message.PostId, message.Attempt, message.IdempotencyKey, _time.GetUtcNow()));
            while (_messages.Count > _options.KeepMessages && _messages.TryDequeue(out _))
            {
            }
        }

        Accepted?.Invoke(message);
        return new SendResult.Sent("rec-" + message.DeliveryId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + message.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Replies sent to people who wrote (keyword confirmations, out-of-hours replies), oldest first.</summary>
    public IReadOnlyList<RecordedReply> Replies => [.. _replies];

    public Task<SendResult> ReplyAsync(ChannelAccount channel, string address, string text, CancellationToken ct)
    {
        _replies.Enqueue(new RecordedReply(channel.Id, address, text, _time.GetUtcNow()));
        while (_replies.Count > 10_000 && _replies.TryDequeue(out _))
        {
        }

        return Task.FromResult<SendResult>(new SendResult.Sent("rec-reply-" + Interlocked.Increment(ref _replyCount).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Forgets what was recorded and the injected behaviour.</summary>
    public void Reset()
    {
        _messages.Clear();
        _replies.Clear();
        _counts.Clear();
        Interlocked.Exchange(ref _calls, 0);
        Behavior = null;
        Delay = TimeSpan.Zero;
        DelayFor = null;
    }

    public void Dispose()
    {
        _log?.Dispose();
        _log = null;
    }

    /// <summary>Counts per delivery id in chunks of 64 Ki ids: a million deliveries take a few megabytes.</summary>
    private sealed class Counter
    {
        private readonly ConcurrentDictionary<long, int[]> _chunks = new();
        private long _total;
        private long _extra;

        public long Total => Interlocked.Read(ref _total);

        public long Extra => Interlocked.Read(ref _extra);

        public void Add(long id)
        {
            var chunk = _chunks.GetOrAdd(id >> 16, _ => new int[1 << 16]);
            if (Interlocked.Increment(ref chunk[id & 0xFFFF]) > 1)
            {
                Interlocked.Increment(ref _extra);
            }

            Interlocked.Increment(ref _total);
        }

        public int Get(long id) => _chunks.TryGetValue(id >> 16, out var chunk) ? Volatile.Read(ref chunk[id & 0xFFFF]) : 0;

        public void Clear()
        {
            _chunks.Clear();
            Interlocked.Exchange(ref _total, 0);
            Interlocked.Exchange(ref _extra, 0);
        }
    }
}

/// <summary>A reply recorded by <see cref="RecordingAdapter.ReplyAsync"/>.</summary>
public sealed record RecordedReply(Guid ChannelId, string Address, string Text, DateTimeOffset At);

/// <summary>A message the recording adapter accepted.</summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="ChannelId">The channel.</param>
/// <param name="Kind">Its platform.</param>
/// <param name="Address">The subscriber's address, or null for the whole channel.</param>
/// <param name="SubscriberId">The subscriber, or 0.</param>
/// <param name="Languages">The languages of the text, comma-separated.</param>
/// <param name="Text">The text as the platform would show it.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="PostId">The bulletin.</param>
/// <param name="Attempt">Which try this was.</param>
/// <param name="IdempotencyKey">The delivery's idempotency key.</param>
/// <param name="At">When it was accepted.</param>
public sealed record RecordedMessage(
    long DeliveryId, Guid ChannelId, ChannelKind Kind, string? Address, long SubscriberId, string Languages, string Text,
    PostPriority Priority, Guid PostId, int Attempt, string IdempotencyKey, DateTimeOffset At);
