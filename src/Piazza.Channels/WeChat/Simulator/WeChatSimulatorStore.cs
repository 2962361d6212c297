using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Piazza.Channels.WeChat.Simulator;

/// <summary>What a follower's chat with the account shows.</summary>
public enum WeChatPhoneKind
{
    /// <summary>A text the follower wrote.</summary>
    Sent = 0,

    /// <summary>Something the follower did: followed, scanned a flyer, tapped a menu button, unfollowed.</summary>
    Event = 1,

    /// <summary>A passive reply (the answer to a callback), verified as WeChat verifies it.</summary>
    Reply = 2,

    /// <summary>A customer-service message (<c>message/custom/send</c>).</summary>
    CustomerService = 3,

    /// <summary>A mass send of text.</summary>
    MassText = 4,

    /// <summary>One article of a mass send of <c>mpnews</c>.</summary>
    MassArticle = 5,

    /// <summary>WeChat's own notice, e.g. that the account cannot answer (its server never answered the callback).</summary>
    Notice = 6,
}

/// <summary>One line of a follower's chat with a sandbox account.</summary>
/// <param name="Id">A stable id (the MsgId of a text the follower sent).</param>
/// <param name="Kind">What it is.</param>
/// <param name="Text">The text (an article's digest, or the start of its text).</param>
/// <param name="At">When (UTC).</param>
public sealed record WeChatPhoneMessage(string Id, WeChatPhoneKind Kind, string Text, DateTime At)
{
    /// <summary>An article's title.</summary>
    public string? Title { get; init; }

    /// <summary>An article's full text as the account sent it (HTML).</summary>
    public string? Content { get; init; }

    /// <summary>An article's mass send (<c>msg_data_id</c>) and its position in it (<c>index</c>), to comment on it.</summary>
    public long? MsgDataId { get; init; }

    public int? Index { get; init; }
}

/// <summary>An article of a draft or of a mass send.</summary>
public sealed record WeChatArticle(string Title, string Author, string Digest, string Content, bool NeedOpenComment, bool OnlyFansCanComment);

/// <summary>A comment on an article, with the account's reply.</summary>
public sealed record WeChatPhoneComment(long UserCommentId, string OpenId, DateTime At, string Content, bool Elected, string? Reply, DateTime? ReplyAt);

/// <summary>A follower as the phone page shows them.</summary>
public sealed record WeChatFollowerView(string OpenId, string Name, bool Subscribed, IReadOnlyList<int> TagIds, DateTime? LastActionAt);

/// <summary>A parameter QR code the account created (<c>qrcode/create</c>): scanning it follows with its scene.</summary>
public sealed record WeChatScene(string Scene, string Ticket, bool Permanent, DateTimeOffset? ExpiresAt);

/// <summary>A button of the account's menu (<c>menu/create</c>).</summary>
public sealed record WeChatMenuButton(string Name, string? Type, string? Key, string? Url, IReadOnlyList<WeChatMenuButton> SubButtons);

/// <summary>A callback (message or event) that the simulator posts, or posted, to the account's server, with its attempts.</summary>
public sealed class WeChatCallbackRecord(long id, Guid channelId, string openId, string what, string xml, DateTimeOffset createdAt)
{
    private readonly Lock _lock = new();
    private readonly List<WeChatCallbackAttempt> _attempts = [];

    public long Id { get; } = id;

    public Guid ChannelId { get; } = channelId;

    /// <summary>The follower's OpenID (the <c>openid</c> query parameter); "mphelper" for MASSSENDJOBFINISH.</summary>
    public string OpenId { get; } = openId;

    /// <summary>"text", or "event:" and the event (event:subscribe, event:SCAN, event:MASSSENDJOBFINISH…).</summary>
    public string What { get; } = what;

    /// <summary>The message's XML before encryption.</summary>
    public string Xml { get; } = xml;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>Pending, then Answered (no reply), Replied (a verified passive reply), ReplyRejected (a reply that could
    /// not be verified, ignored), Failed (no answer after the retries) or Dropped (no address, no token).</summary>
    public string Result { get; private set; } = "Pending";

    /// <summary>The verified passive reply's text, if any.</summary>
    public string? Reply { get; private set; }

    public IReadOnlyList<WeChatCallbackAttempt> Attempts()
    {
        lock (_lock)
        {
            return [.. _attempts];
        }
    }

    internal void Add(WeChatCallbackAttempt attempt)
    {
        lock (_lock)
        {
            _attempts.Add(attempt);
        }
    }

    internal void Finish(string result, string? reply = null)
    {
        lock (_lock)
        {
            Result = result;
            Reply = reply;
        }
    }
}

/// <summary>One attempt to post a callback.</summary>
/// <param name="Number">1 for the first, 2 for the first retry…</param>
/// <param name="At">When it was sent.</param>
/// <param name="Url">The URL with its query (signature, timestamp, nonce, openid; encrypt_type and msg_signature in safe mode).</param>
/// <param name="Body">The body posted (the safe-mode envelope, or the XML).</param>
/// <param name="Status">The HTTP status of the answer, or null when none came (timeout, connection refused).</param>
/// <param name="Outcome">"answered", "timeout", "http 500", "error: …".</param>
public sealed record WeChatCallbackAttempt(int Number, DateTimeOffset At, string Url, string Body, int? Status, string Outcome);

/// <summary>A follower of a sandbox account, as the simulator keeps it.</summary>
internal sealed class SimFollower(string openId, string name)
{
    public string OpenId { get; } = openId;

    public string Name { get; set; } = name;

    public bool Subscribed { get; set; }

    public DateTimeOffset SubscribedAt { get; set; }

    public string? SubscribeScene { get; set; }

    /// <summary>The follower's last action (message, follow, scan, menu click): customer-service messages are allowed
    /// for 48 hours after it.</summary>
    public DateTimeOffset? LastActionAt { get; set; }

    /// <summary>Customer-service messages since the last action (WeChat allows 20).</summary>
    public int CustomSinceAction { get; set; }

    public SortedSet<int> Tags { get; } = [];

    /// <summary>When the follower received mass sends (service accounts: at most 4 a calendar month).</summary>
    public List<DateTimeOffset> MassReceived { get; } = [];

    public LinkedList<WeChatPhoneMessage> Messages { get; } = new();

    public DateTimeOffset LastActivity { get; set; }
}

/// <summary>A mass send of articles: what comments refer to (<c>msg_data_id</c>, <c>index</c>).</summary>
internal sealed class SimPublished(long msgDataId, IReadOnlyList<WeChatArticle> articles)
{
    public long MsgDataId { get; } = msgDataId;

    public IReadOnlyList<WeChatArticle> Articles { get; } = articles;

    public bool[] CommentsOpen { get; } = [.. articles.Select(a => a.NeedOpenComment)];

    public List<SimComment>[] Comments { get; } = [.. articles.Select(_ => new List<SimComment>())];
}

internal sealed class SimComment(long id, string openId, DateTimeOffset at, string content)
{
    public long Id { get; } = id;

    public string OpenId { get; } = openId;

    public DateTimeOffset At { get; } = at;

    public string Content { get; } = content;

    public bool Elected { get; set; }

    public bool Deleted { get; set; }

    public string? Reply { get; set; }

    public DateTimeOffset? ReplyAt { get; set; }

    public WeChatPhoneComment View() => new(Id, OpenId, At.UtcDateTime, Content, Elected, Reply, ReplyAt?.UtcDateTime);
}

internal sealed record SimMassSend(long MsgId, long? MsgDataId, DateTimeOffset At, DateTimeOffset FinishAt);

internal sealed record SimQrCode(string Scene, string Ticket, bool Permanent, DateTimeOffset? ExpiresAt);

/// <summary>Everything the simulator knows of one sandbox account. Every read and write holds <see cref="Gate"/>.</summary>
internal sealed class SimAccount(Guid channelId)
{
    public Lock Gate { get; } = new();

    public Guid ChannelId { get; } = channelId;

    public string? AccessToken { get; set; }

    public DateTimeOffset AccessTokenExpires { get; set; }

    public DateTimeOffset LastUsed { get; set; }

    /// <summary>The account's own tags (ids from 100); WeChat's system tag 2 ("星标组") is always there.</summary>
    public SortedDictionary<int, string> Tags { get; } = [];

    public int NextTagId { get; set; } = 100;

    public Dictionary<string, SimFollower> Followers { get; } = new(StringComparer.Ordinal);

    /// <summary>OpenIDs in the order they first followed (user/get and user/tag/get page through it).</summary>
    public List<string> FollowOrder { get; } = [];

    public Dictionary<string, SimQrCode> QrCodes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<WeChatArticle>> Drafts { get; } = new(StringComparer.Ordinal);

    public Queue<string> DraftOrder { get; } = new();

    public Dictionary<long, SimPublished> Published { get; } = [];

    public Queue<long> PublishedOrder { get; } = new();

    public Dictionary<long, SimMassSend> MassSends { get; } = [];

    public Queue<long> MassSendOrder { get; } = new();

    public Dictionary<string, SimMassSend> ClientMsgIds { get; } = new(StringComparer.Ordinal);

    /// <summary>The mass API's calls in the last minute (at most 60).</summary>
    public Queue<DateTimeOffset> MassCalls { get; } = new();

    /// <summary>The China day and month the counters below are of.</summary>
    public DateOnly QuotaDay { get; set; }

    public int MassSendsToday { get; set; }

    public int ToAllToday { get; set; }

    public int ToAllThisMonth { get; set; }

    public JsonArray? Menu { get; set; }

    public LinkedList<WeChatCallbackRecord> Outbox { get; } = new();
}

/// <summary>
/// The WeChat simulator's memory: per sandbox account (channel), its access token, tags, followers and their chats,
/// drafts, mass sends, comments, QR codes, menu and callbacks. It lives in the server's memory only: a restart forgets
/// it (tags, followers and drafts included), and several server processes do not share it — the sandbox is for one
/// process. Bounded: <see cref="WeChatSimulatorOptions.MaxAccounts"/> accounts (the least recently used go), followers
/// and messages per account as the options say.
/// </summary>
public sealed class WeChatSimulatorStore(IOptions<WeChatSimulatorOptions> options)
{
    private readonly ConcurrentDictionary<Guid, SimAccount> _accounts = new();
    private readonly ConcurrentDictionary<string, Guid> _tokens = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    private long _msgId = 1_000_000_000;
    private long _msgDataId = 2_247_483_647;
    private long _commentId;
    private long _callbackId;

    public WeChatSimulatorOptions Options => options.Value;

    internal SimAccount Account(Guid channelId, DateTimeOffset now)
    {
        if (!_accounts.TryGetValue(channelId, out var account))
        {
            account = _accounts.GetOrAdd(channelId, id => new SimAccount(id));
            if (_accounts.Count > Math.Max(1, Options.MaxAccounts))
            {
                Evict(channelId);
            }
        }

        account.LastUsed = now;
        return account;
    }

    internal SimAccount? Find(Guid channelId) => _accounts.GetValueOrDefault(channelId);

    /// <summary>The channel whose current access token this is (or was, before a new one replaced it: null then).</summary>
    internal Guid? ChannelOfToken(string token) => _tokens.TryGetValue(token, out var id) ? id : null;

    /// <summary>Makes <paramref name="token"/> the account's only valid token (under the account's gate).</summary>
    internal void SetToken(SimAccount account, string token, DateTimeOffset expires)
    {
        if (account.AccessToken is { } old)
        {
            _tokens.TryRemove(old, out _);
        }

        account.AccessToken = token;
        account.AccessTokenExpires = expires;
        _tokens[token] = account.ChannelId;
    }

    internal long NextMsgId() => Interlocked.Increment(ref _msgId);

    internal long NextMsgDataId() => Interlocked.Increment(ref _msgDataId);

    internal long NextCommentId() => Interlocked.Increment(ref _commentId);

    internal long NextCallbackId() => Interlocked.Increment(ref _callbackId);

    private void Evict(Guid keep)
    {
        lock (_evicting)
        {
            var excess = _accounts.Count - Math.Max(1, Options.MaxAccounts);
            foreach (var old in _accounts.Values.Where(a => a.ChannelId != keep).OrderBy(a => a.LastUsed).Take(Math.Max(0, excess)).ToList())
            {
                if (_accounts.TryRemove(old.ChannelId, out _) && old.AccessToken is { } token)
                {
                    _tokens.TryRemove(token, out _);
                }
            }
        }
    }
}
