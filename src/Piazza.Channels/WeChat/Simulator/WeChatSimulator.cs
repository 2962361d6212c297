using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using Microsoft.Extensions.Logging;

namespace Piazza.Channels.WeChat.Simulator;

/// <summary>The simulator's answer to an API call: WeChat answers HTTP 200 with this JSON, errors included
/// (<c>{"errcode":N,"errmsg":"…"}</c>).</summary>
public sealed record WeChatAnswer(JsonObject Body)
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>0 for success (also when the body has no errcode, as tags/create answers).</summary>
    public int ErrCode => Body["errcode"] is JsonValue v && v.TryGetValue<int>(out var code) ? code : 0;

    /// <summary>The JSON as WeChat writes it (UTF-8, Chinese not escaped).</summary>
    public string Json() => Body.ToJsonString(Relaxed);
}

/// <summary>A callback the simulator will post to the account's server when <paramref name="Due"/> comes.</summary>
/// <param name="Id">Its number (the outbox's record has the same).</param>
/// <param name="Channel">The account (its token signs, its EncodingAESKey encrypts, its id names the hook).</param>
/// <param name="OpenId">The follower (the <c>openid</c> query parameter).</param>
/// <param name="Xml">The message or event, before encryption.</param>
/// <param name="FromFollower">True for what a follower did (text, follow, scan, click): a passive reply to it shows on
/// the follower's phone, and WeChat tells the follower when the account never answered.</param>
/// <param name="Due">When to post it.</param>
/// <param name="Record">The outbox's record of it.</param>
public sealed record WeChatPendingCallback(long Id, ChannelAccount Channel, string OpenId, string Xml, bool FromFollower, DateTimeOffset Due, WeChatCallbackRecord Record);

/// <summary>One attempt's request: the query string (without "?") and the body.</summary>
public sealed record WeChatCallbackPost(string Query, string Body, bool SafeMode);

/// <summary>Why a follower's action on the simulated phone did not happen.</summary>
public enum WeChatPhoneProblem
{
    None = 0,
    NotFollowing = 1,
    AlreadyFollowing = 2,
    UnknownScene = 3,
    UnknownButton = 4,
    TooManyFollowers = 5,
    NoSuchArticle = 6,
    CommentsClosed = 7,
}

/// <summary>
/// Piazza's stand-in for the WeChat Official Account API (<c>https://api.weixin.qq.com/cgi-bin/</c>) and for its
/// callbacks, used by sandbox channels: the same adapter code talks to it as to WeChat. It accepts what WeChat accepts
/// and refuses the rest with WeChat's <c>{"errcode","errmsg"}</c> (HTTP 200): access tokens (a new one invalidates the
/// previous, 40001; expired after 7,200 s, 42001), tags (≤100, ≤30 characters, ≤20 per follower, ≤50 OpenIDs a call),
/// mass sends (a subscription account once a China day; a service account's followers four a calendar month each,
/// the others filtered out as WeChat does; 60 calls a minute; <c>clientmsgid</c> de-duplicated for 24 hours), drafts,
/// customer-service messages (48 hours after the follower's last action), parameter QR codes, comments and the menu.
/// Followers are played on the console's citizen phone; what they do is queued as callbacks (signed, encrypted in
/// safe mode) that <c>WeChatSimulatorCallbacks</c> posts to the account's server, with WeChat's 5-second timeout and
/// three retries. State is in memory (<see cref="WeChatSimulatorStore"/>), time from <see cref="TimeProvider"/>, and
/// every account's state is changed under its own lock.
/// </summary>
public sealed class WeChatSimulator
{
    /// <summary>The longest text a mass send may carry: WeChat's rule for text mass sends is 300 characters.</summary>
    public const int MassTextLimit = 300;

    /// <summary>Mass sends a service account's follower receives in a calendar month.</summary>
    public const int ServiceMonthlyPerFollower = 4;

    /// <summary>Calls of the mass API a minute.</summary>
    public const int MassCallsPerMinute = 60;

    /// <summary>Successful mass API calls a day of a service account.</summary>
    public const int ServiceMassCallsPerDay = 100;

    /// <summary>How long an access token lives.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(7200);

    /// <summary>How long after a follower's last action the account may send them customer-service messages.</summary>
    public static readonly TimeSpan CustomServiceWindow = TimeSpan.FromHours(48);

    /// <summary>What WeChat shows a follower when the account's server did not answer (or answered something invalid).</summary>
    public const string ServiceUnavailableNotice = "该公众号提供的服务出现故障，请稍后再试";

    /// <summary>The sender of MASSSENDJOBFINISH (WeChat's mass-send helper).</summary>
    public const string MassHelper = "mphelper";

    private const string SystemTagName = "星标组";
    private const int SystemTagId = 2;
    private const string TokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

    /// <summary>China's time (UTC+8, no daylight saving time): WeChat's days and months.</summary>
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    private static readonly string[] KeyButtonTypes = ["click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select"];
    private static readonly string[] OtherButtonTypes = ["view", "media_id", "article_id", "article_view_limited", "view_limited", "miniprogram"];

    private readonly WeChatSimulatorStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<WeChatSimulator> _logger;
    private readonly Lock _queueLock = new();
    private readonly PriorityQueue<WeChatPendingCallback, (DateTimeOffset Due, long Id)> _queue = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _dropped;
    private long _phoneIds;

    public WeChatSimulator(WeChatSimulatorStore store, TimeProvider time, ILogger<WeChatSimulator> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
    }

    public WeChatSimulatorOptions Options => _store.Options;

    // ─── Access tokens ─────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary><c>GET token?grant_type=client_credential&amp;appid=&amp;secret=</c> for <paramref name="channel"/> (null: no
    /// sandbox WeChat channel has that AppID). A new token invalidates the previous one at once.</summary>
    public WeChatAnswer Token(ChannelAccount? channel, string? grantType, string? appId, string? secret)
    {
        if (grantType != "client_credential")
        {
            return Error(40002, "invalid grant_type");
        }

        if (string.IsNullOrEmpty(appId))
        {
            return Error(41002, "appid missing");
        }

        if (string.IsNullOrEmpty(secret))
        {
            return Error(41004, "appsecret missing");
        }

        if (channel is null)
        {
            return Error(40013, "invalid appid");
        }

        var expected = channel.Secret(WeChatChannel.AppSecret) ?? string.Empty;
        if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(expected)))
        {
            return Error(40125, "invalid appsecret");
        }

        var now = _time.GetUtcNow();
        var account = _store.Account(channel.Id, now);
        var token = RandomNumberGenerator.GetString(TokenAlphabet, 136);
        lock (account.Gate)
        {
            _store.SetToken(account, token, now + TokenLifetime);
        }

        return new WeChatAnswer(new JsonObject { ["access_token"] = token, ["expires_in"] = (int)TokenLifetime.TotalSeconds });
    }

    /// <summary>The channel an access token is the current token of, or WeChat's error: 41001 (none), 40001 (not a token,
    /// or one a newer token replaced), 42001 (expired).</summary>
    public (Guid? ChannelId, WeChatAnswer? Error) Authenticate(string? accessToken)
    {
        if (string.IsNullOrEmpty(accessToken))
        {
            return (null, Error(41001, "access_token missing"));
        }

        if (_store.ChannelOfToken(accessToken) is not { } channelId || _store.Find(channelId) is not { } account)
        {
            return (null, Error(40001, "invalid credential, access_token is invalid or not latest"));
        }

        lock (account.Gate)
        {
            if (!string.Equals(account.AccessToken, accessToken, StringComparison.Ordinal))
            {
                return (null, Error(40001, "invalid credential, access_token is invalid or not latest"));
            }

            if (_time.GetUtcNow() >= account.AccessTokenExpires)
            {
                return (null, Error(42001, "access_token expired"));
            }
        }

        return (channelId, null);
    }

    // ─── The API ───────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Handles <c>{method} /cgi-bin/{api}</c> for <paramref name="channel"/> (already authenticated by its access
    /// token), with the query parameters and the raw body.</summary>
    public WeChatAnswer Call(ChannelAccount channel, string api, string method, IReadOnlyDictionary<string, string?> query, string body)
    {
        var post = string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase);
        var now = _time.GetUtcNow();
        var account = _store.Account(channel.Id, now);
        switch (api)
        {
            case "tags/get":
                return Locked(account, () => TagsGet(account));
            case "user/get":
                return Locked(account, () => UserGet(account, query.GetValueOrDefault("next_openid")));
            case "user/info":
                return Locked(account, () => UserInfo(account, query.GetValueOrDefault("openid")));
            case "menu/get":
                return Locked(account, () => account.Menu is { } menu
                    ? new WeChatAnswer(new JsonObject { ["menu"] = new JsonObject { ["button"] = menu.DeepClone() } })
                    : Error(46003, "menu no exist"));
            case "menu/delete":
                return Locked(account, () =>
                {
                    account.Menu = null;
                    return Ok();
                });
        }

        Func<JsonObject, WeChatAnswer>? handler = api switch
        {
            "tags/create" => r => TagsCreate(account, r),
            "tags/update" => r => TagsUpdate(account, r),
            "tags/delete" => r => TagsDelete(account, r),
            "tags/members/batchtagging" => r => Tagging(account, r, tag: true),
            "tags/members/batchuntagging" => r => Tagging(account, r, tag: false),
            "tags/getidlist" => r => TagIdList(account, r),
            "user/tag/get" => r => TagUsers(account, r),
            "message/mass/sendall" => r => MassSend(channel, account, r, byList: false, now),
            "message/mass/send" => r => MassSend(channel, account, r, byList: true, now),
            "message/mass/get" => r => MassGet(account, r, now),
            "draft/add" => r => DraftAdd(account, r),
            "message/custom/send" => r => CustomSend(account, r, now),
            "qrcode/create" => r => QrCode(account, r, now),
            "comment/open" => r => CommentSwitch(account, r, open: true),
            "comment/close" => r => CommentSwitch(account, r, open: false),
            "comment/list" => r => CommentList(account, r),
            "comment/markelect" => r => CommentElect(account, r, elect: true),
            "comment/unmarkelect" => r => CommentElect(account, r, elect: false),
            "comment/delete" => r => CommentDelete(account, r),
            "comment/reply/add" => r => CommentReply(account, r, now),
            "comment/reply/delete" => r => CommentReplyDelete(account, r),
            "menu/create" => r => MenuCreate(account, r),
            _ => null,
        };
        if (handler is null)
        {
            return Error(40066, "invalid url");
        }

        Func<JsonObject, WeChatAnswer> handle = handler;

        // user/tag/get is documented as GET with a JSON body; every other call here is a POST.
        if (!post && api != "user/tag/get")
        {
            return Error(43002, "require POST method");
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            return Error(44002, "empty post data");
        }

        JsonObject? request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            request = null;
        }

        return request is null ? Error(47001, "data format error") : Locked(account, () => handle(request));
    }

    private static WeChatAnswer Locked(SimAccount account, Func<WeChatAnswer> action)
    {
        lock (account.Gate)
        {
            return action();
        }
    }

    // Tags ─────────────────────────────────────────────────────────────────────────────────────────────────────────

    private static WeChatAnswer TagsCreate(SimAccount a, JsonObject r)
    {
        var name = r["tag"] is JsonObject tag ? Str(tag, "name") : null;
        if (NameProblem(a, name, except: null) is { } problem)
        {
            return problem;
        }

        if (a.Tags.Count >= 100)
        {
            return Error(45056, "too many tag now, no need to add new");
        }

        var id = a.NextTagId++;
        a.Tags[id] = name!;
        return new WeChatAnswer(new JsonObject { ["tag"] = new JsonObject { ["id"] = id, ["name"] = name } });
    }

    private static WeChatAnswer TagsGet(SimAccount a)
    {
        var tags = new JsonArray { TagJson(a, SystemTagId, SystemTagName) };
        foreach (var (id, name) in a.Tags)
        {
            tags.Add(TagJson(a, id, name));
        }

        return new WeChatAnswer(new JsonObject { ["tags"] = tags });
    }

    private static JsonObject TagJson(SimAccount a, int id, string name) => new()
    {
        ["id"] = id,
        ["name"] = name,
        ["count"] = a.Followers.Values.Count(f => f.Subscribed && f.Tags.Contains(id)),
    };

    private static WeChatAnswer TagsUpdate(SimAccount a, JsonObject r)
    {
        var tag = r["tag"] as JsonObject;
        if (TagProblem(a, tag is null ? null : Long(tag["id"]), modify: true, out var id) is { } problem)
        {
            return problem;
        }

        var name = Str(tag!, "name");
        if (NameProblem(a, name, except: id) is { } nameProblem)
        {
            return nameProblem;
        }

        a.Tags[id] = name!;
        return Ok();
    }

    private static WeChatAnswer TagsDelete(SimAccount a, JsonObject r)
    {
        if (TagProblem(a, r["tag"] is JsonObject tag ? Long(tag["id"]) : null, modify: true, out var id) is { } problem)
        {
            return problem;
        }

        a.Tags.Remove(id);
        foreach (var follower in a.Followers.Values)
        {
            follower.Tags.Remove(id);
        }

        return Ok();
    }

    private static WeChatAnswer Tagging(SimAccount a, JsonObject r, bool tag)
    {
        if (r["openid_list"] is not JsonArray list || list.Count == 0 || list.Count > 50)
        {
            return Error(40032, "invalid openid list size");
        }

        if (TagProblem(a, Long(r["tagid"]), modify: false, out var id) is { } problem)
        {
            return problem;
        }

        var followers = new List<SimFollower>();
        foreach (var item in list)
        {
            if (item is not JsonValue v || v.GetValueKind() != JsonValueKind.String || !a.Followers.TryGetValue(v.GetValue<string>(), out var f) || !f.Subscribed)
            {
                return Error(40003, "invalid openid");
            }

            followers.Add(f);
        }

        if (tag && followers.Any(f => !f.Tags.Contains(id) && f.Tags.Count >= 20))
        {
            return Error(45059, "can not tagging one user too much");
        }

        foreach (var f in followers)
        {
            if (tag)
            {
                f.Tags.Add(id);
            }
            else
            {
                f.Tags.Remove(id);
            }
        }

        return Ok();
    }

    private static WeChatAnswer TagIdList(SimAccount a, JsonObject r)
    {
        if (Str(r, "openid") is not { } openId || !a.Followers.TryGetValue(openId, out var f) || !f.Subscribed)
        {
            return Error(40003, "invalid openid");
        }

        return new WeChatAnswer(new JsonObject { ["tagid_list"] = new JsonArray([.. f.Tags.Select(t => (JsonNode)t)]) });
    }

    private static WeChatAnswer TagUsers(SimAccount a, JsonObject r)
    {
        if (TagProblem(a, Long(r["tagid"]), modify: false, out var id) is { } problem)
        {
            return problem;
        }

        return Page(a, Str(r, "next_openid"), f => f.Tags.Contains(id), total: false);
    }

    private static WeChatAnswer UserGet(SimAccount a, string? next) => Page(a, next, _ => true, total: true);

    /// <summary>A page of up to 10,000 followers' OpenIDs after <paramref name="next"/>, in the order they followed.</summary>
    private static WeChatAnswer Page(SimAccount a, string? next, Func<SimFollower, bool> filter, bool total)
    {
        var start = 0;
        if (!string.IsNullOrEmpty(next))
        {
            start = a.FollowOrder.IndexOf(next) + 1;
            if (start == 0)
            {
                return Error(40003, "invalid openid");
            }
        }

        var page = a.FollowOrder.Skip(start).Select(o => a.Followers[o]).Where(f => f.Subscribed && filter(f)).Take(10_000).Select(f => f.OpenId).ToList();
        var result = new JsonObject();
        if (total)
        {
            result["total"] = a.Followers.Values.Count(f => f.Subscribed);
        }

        result["count"] = page.Count;
        result["data"] = new JsonObject { ["openid"] = new JsonArray([.. page.Select(o => (JsonNode)o)]) };
        result["next_openid"] = page.Count == 10_000 ? page[^1] : string.Empty;
        return new WeChatAnswer(result);
    }

    private static WeChatAnswer UserInfo(SimAccount a, string? openId)
    {
        if (openId is null || !a.Followers.TryGetValue(openId, out var f))
        {
            return Error(40003, "invalid openid");
        }

        if (!f.Subscribed)
        {
            return new WeChatAnswer(new JsonObject { ["subscribe"] = 0, ["openid"] = f.OpenId });
        }

        return new WeChatAnswer(new JsonObject
        {
            ["subscribe"] = 1,
            ["openid"] = f.OpenId,
            ["language"] = "zh_CN",
            ["subscribe_time"] = f.SubscribedAt.ToUnixTimeSeconds(),
            ["remark"] = string.Empty,
            ["groupid"] = 0,
            ["tagid_list"] = new JsonArray([.. f.Tags.Select(t => (JsonNode)t)]),
            ["subscribe_scene"] = f.SubscribeScene is null ? "ADD_SCENE_SEARCH" : "ADD_SCENE_QR_CODE",
            ["qr_scene"] = 0,
            ["qr_scene_str"] = f.SubscribeScene ?? string.Empty,
        });
    }

    private static WeChatAnswer? NameProblem(SimAccount a, string? name, int? except)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return Error(45157, "invalid tag name");
        }

        if (name.EnumerateRunes().Count() > 30)
        {
            return Error(45158, "tag name too long");
        }

        return name == SystemTagName || a.Tags.Any(t => t.Value == name && t.Key != except) ? Error(45157, "invalid tag name") : null;
    }

    /// <summary>Checks a tag id: WeChat's system tags (0, 1, 2) cannot be changed; an unknown id is 45159.</summary>
    private static WeChatAnswer? TagProblem(SimAccount a, long? given, bool modify, out int id)
    {
        id = given is >= 0 and <= int.MaxValue ? (int)given.Value : -1;
        if (modify && id is 0 or 1 or SystemTagId)
        {
            return Error(45058, "can't modify sys tag");
        }

        return id == SystemTagId || a.Tags.ContainsKey(id) ? null : Error(45159, "invalid tag id");
    }

    // Mass sends ───────────────────────────────────────────────────────────────────────────────────────────────────

    private WeChatAnswer MassSend(ChannelAccount channel, SimAccount a, JsonObject r, bool byList, DateTimeOffset now)
    {
        // 60 calls a minute, whatever they ask.
        while (a.MassCalls.Count > 0 && now - a.MassCalls.Peek() >= TimeSpan.FromMinutes(1))
        {
            a.MassCalls.Dequeue();
        }

        if (a.MassCalls.Count >= MassCallsPerMinute)
        {
            return Error(45011, "api minute-quota reach limit, must slower, retry next minute");
        }

        a.MassCalls.Enqueue(now);
        var service = WeChatChannel.IsService(channel.Settings);
        if (byList && !service)
        {
            return Error(48001, "api unauthorized");
        }

        // What to send.
        var type = Str(r, "msgtype");
        string? text = null;
        string? mediaId = null;
        switch (type)
        {
            case "text":
                text = r["text"] is JsonObject t ? Str(t, "content") : null;
                if (string.IsNullOrEmpty(text))
                {
                    return Error(44004, "empty content");
                }

                if (text.EnumerateRunes().Count() > MassTextLimit)
                {
                    return Error(45002, "content size out of limit");
                }

                break;
            case "mpnews":
                mediaId = r["mpnews"] is JsonObject m ? Str(m, "media_id") : null;
                if (mediaId is null || !a.Drafts.ContainsKey(mediaId))
                {
                    return Error(40007, "invalid media_id");
                }

                break;
            default:
                return Error(40008, "invalid message type");
        }

        // To whom: everyone, a tag, or a list of OpenIDs.
        var toAll = false;
        List<string> targets;
        if (byList)
        {
            if (r["touser"] is not JsonArray list || list.Count is < 2 or > 10_000)
            {
                return Error(40130, "invalid openid list size, at least two openid");
            }

            targets = [.. list.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()).Distinct(StringComparer.Ordinal)];
        }
        else
        {
            if (r["filter"] is not JsonObject filter)
            {
                return Error(40097, "invalid args: filter is required");
            }

            toAll = Bool(filter["is_to_all"]) ?? false;
            if (toAll)
            {
                targets = [.. a.FollowOrder];
            }
            else
            {
                if (TagProblem(a, Long(filter["tag_id"]), modify: false, out var tagId) is { } problem)
                {
                    return problem;
                }

                targets = [.. a.FollowOrder.Where(o => a.Followers[o].Tags.Contains(tagId))];
            }

            targets = [.. targets.Where(o => a.Followers[o].Subscribed)];
        }

        // The same clientmsgid within 24 hours is the same mass send.
        var clientMsgId = Str(r, "clientmsgid");
        if (clientMsgId is { Length: > 64 })
        {
            return Error(45067, "clientmsgid size out of limit");
        }

        foreach (var old in a.ClientMsgIds.Where(c => now - c.Value.At >= TimeSpan.FromHours(24)).Select(c => c.Key).ToList())
        {
            a.ClientMsgIds.Remove(old);
        }

        if (clientMsgId is { Length: > 0 } && a.ClientMsgIds.TryGetValue(clientMsgId, out var existing))
        {
            var repeat = Error(45065, "clientmsgid exist");
            repeat.Body["msg_id"] = existing.MsgId;
            if (existing.MsgDataId is { } dataId)
            {
                repeat.Body["msg_data_id"] = dataId;
            }

            return repeat;
        }

        // Quotas: a subscription account sends once a China day; a service account 100 calls a day, and to everyone
        // once a day and four times a month (each of its followers receives four a month, checked below).
        RollQuota(a, now);
        if (!service && a.MassSendsToday >= 1)
        {
            return Error(45028, "has no masssend quota");
        }

        if (service && a.MassSendsToday >= ServiceMassCallsPerDay)
        {
            return Error(45009, "reach max api daily quota limit");
        }

        if (service && toAll && (a.ToAllToday >= 1 || a.ToAllThisMonth >= ServiceMonthlyPerFollower))
        {
            return Error(45028, "has no masssend quota");
        }

        // Accepted.
        a.MassSendsToday++;
        if (toAll)
        {
            a.ToAllToday++;
            a.ToAllThisMonth++;
        }

        var msgId = _store.NextMsgId();
        long? msgDataId = null;
        List<WeChatArticle>? articles = null;
        if (mediaId is not null)
        {
            // A draft that is mass sent leaves the draft box (a second send needs a new draft).
            articles = a.Drafts[mediaId];
            a.Drafts.Remove(mediaId);
            msgDataId = _store.NextMsgDataId();
            a.Published[msgDataId.Value] = new SimPublished(msgDataId.Value, articles);
            a.PublishedOrder.Enqueue(msgDataId.Value);
            while (a.PublishedOrder.Count > 1000)
            {
                a.Published.Remove(a.PublishedOrder.Dequeue());
            }
        }

        var sent = 0;
        foreach (var openId in targets)
        {
            if (!a.Followers.TryGetValue(openId, out var f) || !f.Subscribed)
            {
                continue;
            }

            if (service)
            {
                f.MassReceived.RemoveAll(at => !SameChinaMonth(at, now));
                if (f.MassReceived.Count >= ServiceMonthlyPerFollower)
                {
                    continue; // filtered out: no longer counted in FilterCount
                }

                f.MassReceived.Add(now);
            }

            sent++;
            if (text is not null)
            {
                AddPhone(f, new WeChatPhoneMessage(NextPhoneId(), WeChatPhoneKind.MassText, text, now.UtcDateTime));
            }
            else
            {
                for (var i = 0; i < articles!.Count; i++)
                {
                    var article = articles[i];
                    AddPhone(f, new WeChatPhoneMessage(NextPhoneId(), WeChatPhoneKind.MassArticle, Digest(article), now.UtcDateTime)
                    {
                        Title = article.Title, Content = article.Content, MsgDataId = msgDataId, Index = i,
                    });
                }
            }
        }

        var finishAt = now + Options.MassSendFinishDelay;
        var record = new SimMassSend(msgId, msgDataId, now, finishAt);
        a.MassSends[msgId] = record;
        a.MassSendOrder.Enqueue(msgId);
        while (a.MassSendOrder.Count > 1000)
        {
            a.MassSends.Remove(a.MassSendOrder.Dequeue());
        }

        if (clientMsgId is { Length: > 0 })
        {
            a.ClientMsgIds[clientMsgId] = record;
        }

        var xml = new StringBuilder("<xml>");
        WeChatXml.Cdata(xml, "ToUserName", OriginalId(channel));
        WeChatXml.Cdata(xml, "FromUserName", MassHelper);
        xml.Append("<CreateTime>").Append(Unix(finishAt)).Append("</CreateTime>");
        WeChatXml.Cdata(xml, "MsgType", "event");
        WeChatXml.Cdata(xml, "Event", "MASSSENDJOBFINISH");
        xml.Append("<MsgID>").Append(msgId.ToString(CultureInfo.InvariantCulture)).Append("</MsgID>");
        WeChatXml.Cdata(xml, "Status", "send success");
        xml.Append(CultureInfo.InvariantCulture, $"<TotalCount>{targets.Count}</TotalCount><FilterCount>{sent}</FilterCount><SentCount>{sent}</SentCount><ErrorCount>0</ErrorCount>");
        xml.Append("</xml>");
        Enqueue(a, channel, MassHelper, "event:MASSSENDJOBFINISH", xml.ToString(), fromFollower: false, finishAt, now);

        var answer = new JsonObject { ["errcode"] = 0, ["errmsg"] = "send job submission success", ["msg_id"] = msgId };
        if (msgDataId is { } id)
        {
            answer["msg_data_id"] = id;
        }

        return new WeChatAnswer(answer);
    }

    private static WeChatAnswer MassGet(SimAccount a, JsonObject r, DateTimeOffset now)
    {
        if (Long(r["msg_id"]) is not { } id || !a.MassSends.TryGetValue(id, out var send))
        {
            return Error(40097, "invalid args: no such msg_id");
        }

        return new WeChatAnswer(new JsonObject { ["msg_id"] = id, ["msg_status"] = now >= send.FinishAt ? "SEND_SUCCESS" : "SENDING" });
    }

    private static void RollQuota(SimAccount a, DateTimeOffset now)
    {
        var day = DateOnly.FromDateTime(now.ToOffset(ChinaOffset).DateTime);
        if (day == a.QuotaDay)
        {
            return;
        }

        if (day.Year != a.QuotaDay.Year || day.Month != a.QuotaDay.Month)
        {
            a.ToAllThisMonth = 0;
        }

        a.QuotaDay = day;
        a.MassSendsToday = 0;
        a.ToAllToday = 0;
    }

    private static bool SameChinaMonth(DateTimeOffset a, DateTimeOffset b)
    {
        var x = a.ToOffset(ChinaOffset);
        var y = b.ToOffset(ChinaOffset);
        return x.Year == y.Year && x.Month == y.Month;
    }

    // Drafts ───────────────────────────────────────────────────────────────────────────────────────────────────────

    private static WeChatAnswer DraftAdd(SimAccount a, JsonObject r)
    {
        if (r["articles"] is not JsonArray list || list.Count == 0)
        {
            return Error(44003, "empty news data");
        }

        if (list.Count > 8)
        {
            return Error(45008, "article size out of limit");
        }

        var articles = new List<WeChatArticle>();
        foreach (var item in list)
        {
            if (item is not JsonObject article)
            {
                return Error(47001, "data format error");
            }

            var title = Str(article, "title");
            var author = Str(article, "author") ?? string.Empty;
            var digest = Str(article, "digest") ?? string.Empty;
            var content = Str(article, "content");
            if (string.IsNullOrWhiteSpace(title) || title.EnumerateRunes().Count() > 32)
            {
                return Error(45003, "title size out of limit");
            }

            if (author.EnumerateRunes().Count() > 16)
            {
                return Error(45110, "author size out of limit");
            }

            if (digest.EnumerateRunes().Count() > 128)
            {
                return Error(45004, "description size out of limit");
            }

            if (string.IsNullOrEmpty(content))
            {
                return Error(44003, "empty news data");
            }

            if (content.Length >= 20_000 || Encoding.UTF8.GetByteCount(content) >= 1024 * 1024)
            {
                return Error(45002, "content size out of limit");
            }

            if (Str(article, "thumb_media_id") != WeChatSandbox.CoverMediaId)
            {
                return Error(40007, "invalid media_id");
            }

            articles.Add(new WeChatArticle(title, author, digest, content, Bool(article["need_open_comment"]) ?? false, Bool(article["only_fans_can_comment"]) ?? false));
        }

        var mediaId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        a.Drafts[mediaId] = articles;
        a.DraftOrder.Enqueue(mediaId);
        while (a.DraftOrder.Count > 1000)
        {
            a.Drafts.Remove(a.DraftOrder.Dequeue());
        }

        return new WeChatAnswer(new JsonObject { ["media_id"] = mediaId });
    }

    // Customer-service messages ────────────────────────────────────────────────────────────────────────────────────

    private WeChatAnswer CustomSend(SimAccount a, JsonObject r, DateTimeOffset now)
    {
        if (Str(r, "touser") is not { } openId || !a.Followers.TryGetValue(openId, out var f))
        {
            return Error(40003, "invalid openid");
        }

        if (Str(r, "msgtype") != "text")
        {
            return Error(40008, "invalid message type");
        }

        var text = r["text"] is JsonObject t ? Str(t, "content") : null;
        if (string.IsNullOrEmpty(text))
        {
            return Error(44004, "empty content");
        }

        if (!f.Subscribed || f.LastActionAt is not { } last || now - last > CustomServiceWindow)
        {
            return Error(45015, "response out of time limit or subscription is canceled");
        }

        if (f.CustomSinceAction >= 20)
        {
            return Error(45047, "out of response count limit");
        }

        f.CustomSinceAction++;
        AddPhone(f, new WeChatPhoneMessage(NextPhoneId(), WeChatPhoneKind.CustomerService, text, now.UtcDateTime));
        return Ok();
    }

    // QR codes ─────────────────────────────────────────────────────────────────────────────────────────────────────

    private static WeChatAnswer QrCode(SimAccount a, JsonObject r, DateTimeOffset now)
    {
        var action = Str(r, "action_name");
        var permanent = action is "QR_LIMIT_SCENE" or "QR_LIMIT_STR_SCENE";
        var stringScene = action is "QR_STR_SCENE" or "QR_LIMIT_STR_SCENE";
        if (action is not ("QR_SCENE" or "QR_STR_SCENE" or "QR_LIMIT_SCENE" or "QR_LIMIT_STR_SCENE"))
        {
            return Error(40097, "invalid args: action_name");
        }

        var scene = r["action_info"] is JsonObject info && info["scene"] is JsonObject s ? s : null;
        string? sceneText;
        if (stringScene)
        {
            sceneText = scene is null ? null : Str(scene, "scene_str");
            if (sceneText is null || sceneText.Length is < 1 or > 64)
            {
                return Error(40097, "invalid args: scene_str must be 1 to 64 characters");
            }
        }
        else
        {
            var id = scene is null ? null : Long(scene["scene_id"]);
            if (id is null || id < 1 || id > (permanent ? 100_000 : uint.MaxValue))
            {
                return Error(40097, "invalid args: scene_id");
            }

            sceneText = id.Value.ToString(CultureInfo.InvariantCulture);
        }

        if (permanent)
        {
            if (a.QrCodes.Values.FirstOrDefault(q => q.Permanent && q.Scene == sceneText) is { } same)
            {
                return new WeChatAnswer(new JsonObject { ["ticket"] = same.Ticket, ["url"] = QrUrl(same.Ticket) });
            }

            if (a.QrCodes.Values.Count(q => q.Permanent) >= 100_000)
            {
                return Error(45029, "qrcode count out of limit");
            }
        }

        var seconds = permanent ? 0 : Math.Clamp(Long(r["expire_seconds"]) ?? 60, 60, 2_592_000);
        foreach (var expired in a.QrCodes.Values.Where(q => q.ExpiresAt is { } e && e <= now).Select(q => q.Ticket).ToList())
        {
            a.QrCodes.Remove(expired);
        }

        var ticket = "gQ" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(66)).Replace('+', '-').Replace('/', '_');
        a.QrCodes[ticket] = new SimQrCode(sceneText, ticket, permanent, permanent ? null : now.AddSeconds(seconds));
        var answer = new JsonObject { ["ticket"] = ticket };
        if (!permanent)
        {
            answer["expire_seconds"] = seconds;
        }

        answer["url"] = QrUrl(ticket);
        return new WeChatAnswer(answer);
    }

    /// <summary>The URL a permanent QR code of this ticket encodes (what qrcode/create answers).</summary>
    public static string QrUrl(string ticket) =>
        "http://weixin.qq.com/q/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ticket)))[..22];

    // Comments ─────────────────────────────────────────────────────────────────────────────────────────────────────

    private static WeChatAnswer? FindArticle(SimAccount a, JsonObject r, out SimPublished published, out int index)
    {
        index = (int)Math.Clamp(Long(r["index"]) ?? 0, -1, int.MaxValue);
        if (Long(r["msg_data_id"]) is { } id && a.Published.TryGetValue(id, out var found) && index >= 0 && index < found.Articles.Count)
        {
            published = found;
            return null;
        }

        published = null!;
        return Error(88001, "msg_data is not exists");
    }

    private static WeChatAnswer CommentSwitch(SimAccount a, JsonObject r, bool open)
    {
        if (FindArticle(a, r, out var published, out var index) is { } problem)
        {
            return problem;
        }

        published.CommentsOpen[index] = open;
        return Ok();
    }

    private static WeChatAnswer CommentList(SimAccount a, JsonObject r)
    {
        if (FindArticle(a, r, out var published, out var index) is { } problem)
        {
            return problem;
        }

        var begin = Long(r["begin"]) ?? 0;
        var count = Long(r["count"]) ?? 0;
        var type = Long(r["type"]) ?? 0;
        if (begin < 0 || count is <= 0 or > 50)
        {
            return Error(88010, "count range error. cout <= 0 or count > 50");
        }

        if (type is < 0 or > 2)
        {
            return Error(40097, "invalid args: type");
        }

        var matching = published.Comments[index].Where(c => !c.Deleted && (type == 0 || (type == 2) == c.Elected)).ToList();
        var comments = new JsonArray();
        foreach (var c in matching.Skip((int)Math.Min(begin, int.MaxValue)).Take((int)count))
        {
            var item = new JsonObject
            {
                ["user_comment_id"] = c.Id,
                ["openid"] = c.OpenId,
                ["create_time"] = c.At.ToUnixTimeSeconds(),
                ["content"] = c.Content,
                ["comment_type"] = c.Elected ? 1 : 0,
            };
            if (c.Reply is not null)
            {
                item["reply"] = new JsonObject { ["content"] = c.Reply, ["create_time"] = c.ReplyAt!.Value.ToUnixTimeSeconds() };
            }

            comments.Add(item);
        }

        return new WeChatAnswer(new JsonObject { ["errcode"] = 0, ["errmsg"] = "ok", ["total"] = matching.Count, ["comment"] = comments });
    }

    private static WeChatAnswer? FindComment(SimAccount a, JsonObject r, out SimPublished published, out SimComment comment)
    {
        comment = null!;
        if (FindArticle(a, r, out published, out var index) is { } problem)
        {
            return problem;
        }

        var id = Long(r["user_comment_id"]);
        var found = published.Comments[index].FirstOrDefault(c => c.Id == id && !c.Deleted);
        if (found is null)
        {
            return Error(88008, "comment is not exists");
        }

        comment = found;
        return null;
    }

    private static WeChatAnswer CommentElect(SimAccount a, JsonObject r, bool elect)
    {
        if (FindComment(a, r, out var published, out var comment) is { } problem)
        {
            return problem;
        }

        if (elect && !comment.Elected && published.Comments.SelectMany(c => c).Count(c => c.Elected && !c.Deleted) >= 100)
        {
            return Error(88003, "elected comment upper limit");
        }

        comment.Elected = elect;
        return Ok();
    }

    private static WeChatAnswer CommentDelete(SimAccount a, JsonObject r)
    {
        if (FindComment(a, r, out _, out var comment) is { } problem)
        {
            return problem;
        }

        comment.Deleted = true;
        return Ok();
    }

    private static WeChatAnswer CommentReply(SimAccount a, JsonObject r, DateTimeOffset now)
    {
        if (FindComment(a, r, out _, out var comment) is { } problem)
        {
            return problem;
        }

        var content = Str(r, "content");
        if (string.IsNullOrWhiteSpace(content) || content.EnumerateRunes().Count() > 600)
        {
            return Error(88007, "reply content beyond max len or content len is zero");
        }

        if (comment.Reply is not null)
        {
            return Error(88005, "already reply");
        }

        comment.Reply = content;
        comment.ReplyAt = now;
        return Ok();
    }

    private static WeChatAnswer CommentReplyDelete(SimAccount a, JsonObject r)
    {
        if (FindComment(a, r, out _, out var comment) is { } problem)
        {
            return problem;
        }

        if (comment.Reply is null)
        {
            return Error(88009, "reply is not exists");
        }

        comment.Reply = null;
        comment.ReplyAt = null;
        return Ok();
    }

    // Menu ─────────────────────────────────────────────────────────────────────────────────────────────────────────

    private static WeChatAnswer MenuCreate(SimAccount a, JsonObject r)
    {
        if (r["button"] is not JsonArray buttons || buttons.Count is 0 or > 3)
        {
            return Error(40016, "invalid button size");
        }

        foreach (var node in buttons)
        {
            if (node is not JsonObject button)
            {
                return Error(47001, "data format error");
            }

            if (Bytes(Str(button, "name")) is 0 or > 16)
            {
                return Error(40018, "invalid button name size");
            }

            if (button["sub_button"] is JsonArray subs && subs.Count > 0)
            {
                if (subs.Count > 5)
                {
                    return Error(40023, "invalid sub button size");
                }

                foreach (var subNode in subs)
                {
                    if (subNode is not JsonObject sub)
                    {
                        return Error(47001, "data format error");
                    }

                    if (Bytes(Str(sub, "name")) is 0 or > 60)
                    {
                        return Error(40025, "invalid sub button name size");
                    }

                    if (ButtonProblem(sub, sub: true) is { } subProblem)
                    {
                        return subProblem;
                    }
                }
            }
            else if (ButtonProblem(button, sub: false) is { } problem)
            {
                return problem;
            }
        }

        a.Menu = (JsonArray)buttons.DeepClone();
        return Ok();
    }

    private static WeChatAnswer? ButtonProblem(JsonObject button, bool sub)
    {
        var type = Str(button, "type");
        if (type is not null && KeyButtonTypes.Contains(type))
        {
            return Bytes(Str(button, "key")) is 0 or > 128 ? (sub ? Error(40026, "invalid sub button key size") : Error(40019, "invalid button key size")) : null;
        }

        if (type == "view")
        {
            return Bytes(Str(button, "url")) is 0 or > 1024 ? (sub ? Error(40027, "invalid sub button url size") : Error(40020, "invalid button url size")) : null;
        }

        return type is not null && OtherButtonTypes.Contains(type) ? null : (sub ? Error(40024, "invalid sub button type") : Error(40017, "invalid button type"));
    }

    private static int Bytes(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);

    // ─── The follower's side (the console's citizen phone) ─────────────────────────────────────────────────────────

    /// <summary>The OpenID of the follower called <paramref name="follower"/> (any case) on this account: "o" and 27
    /// characters, the same every time, different on every account (as WeChat's OpenIDs are per account).</summary>
    public static string OpenIdOf(Guid channelId, string follower)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(channelId.ToString("N") + ":" + follower.Trim().ToUpperInvariant()));
        return "o" + Convert.ToBase64String(hash).Replace('+', '-').Replace('/', '_')[..27];
    }

    /// <summary>The follower follows the account — by searching it (<paramref name="scene"/> null) or by scanning the
    /// flyer of a scene the account created: a subscribe event (EventKey <c>qrscene_&lt;scene&gt;</c>), or for someone
    /// who already follows, a SCAN event (EventKey the scene).</summary>
    public WeChatPhoneProblem Follow(ChannelAccount channel, string follower, string? scene)
    {
        var now = _time.GetUtcNow();
        var a = _store.Account(channel.Id, now);
        lock (a.Gate)
        {
            SimQrCode? code = null;
            if (scene is not null)
            {
                code = LiveQrCodes(a, now).FirstOrDefault(q => q.Scene == scene);
                if (code is null)
                {
                    return WeChatPhoneProblem.UnknownScene;
                }
            }

            var f = Follower(a, channel.Id, follower, create: true, now);
            if (f is null)
            {
                return WeChatPhoneProblem.TooManyFollowers;
            }

            if (f.Subscribed && code is null)
            {
                return WeChatPhoneProblem.AlreadyFollowing;
            }

            var wasFollowing = f.Subscribed;
            f.LastActionAt = now;
            f.CustomSinceAction = 0;
            string xml;
            if (wasFollowing)
            {
                xml = EventXml(channel, f.OpenId, now, "SCAN", code!.Scene, code.Ticket);
                AddPhone(f, new WeChatPhoneMessage(NextPhoneId(), WeChatPhoneKind.Event, "SCAN " + code.Scene, now.UtcDateTime));
            }
            else
            {
                f.Subscribed = true;
                f.SubscribedAt = now;
                f.SubscribeScene = code?.Scene;
                xml = EventXml(channel, f.OpenId, now, "subscribe", code is null ? string.Empty : "qrscene_" + code.Scene, code?.Ticket);
                AddPhone(f, new WeChatPhoneMessage(NextPhoneId(), WeChatPhoneKind.Event, code is null ? "subscribe" : "subscribe qrscene_" + code.Scene, now.UtcDateTime));
            }

            Enqueue(a, channel, f.OpenId, wasFollowing ? "event:SCAN" : "event:subscribe", xml, fromFollower: true, now, now);
            return WeChatPhoneProblem.None;
        }
    }

    /// <summary>The follower unfollows: an unsubscribe event.</summary>
    public WeChatPhoneProblem Unfollow(ChannelAccount channel, string follower)
    {
        var now = _time.GetUtcNow();
        var a = _store.Account(channel.Id, now);
        lock (a.Gate)
        {
            var f = Follower(a, channel.Id, follower, create: false, now);
            if (f is not { Subscribed: true })
            {
                return WeChatPhoneProblem.NotFollowing;
            }

            f.Subscribed = false;
            AddPhone(f, new WeChatPhoneMessage(NextPhoneId(), WeChatPhoneKind.Event, "unsubscribe", now.UtcDateTime));
            Enqueue(a, channel, f.OpenId, "event:unsubscribe", EventXml(channel, f.OpenId, now, "unsubscribe", string.Empty, null), fromFollower: false, now, now);
            return WeChatPhoneProblem.None;
        }
    }

    /// <summary>The follower writes to the account: a text message (with a new MsgId).</summary>
    public WeChatPhoneProblem Send(ChannelAccount channel, string follower, string text)
    {
        var now = _time.GetUtcNow();
        var a = _store.Account(channel.Id, now);
        lock (a.Gate)
        {
            var f = Follower(a, channel.Id, follower, create: false, now);
            if (f is not { Subscribed: true })
            {
                return WeChatPhoneProblem.NotFollowing;
            }

            f.LastActionAt = now;
            f.CustomSinceAction = 0;
            var msgId = (RandomNumberGenerator.GetInt32(100_000_000, 900_000_000) * 10_000_000_000L + RandomNumberGenerator.GetInt32(1_000_000_000)).ToString(CultureInfo.InvariantCulture);
            AddPhone(f, new WeChatPhoneMessage(msgId, WeChatPhoneKind.Sent, text, now.UtcDateTime));
            var xml = new StringBuilder("<xml>");
            WeChatXml.Cdata(xml, "ToUserName", OriginalId(channel));
            WeChatXml.Cdata(xml, "FromUserName", f.OpenId);
            xml.Append("<CreateTime>").Append(Unix(now)).Append("</CreateTime>");
            WeChatXml.Cdata(xml, "MsgType", "text");
            WeChatXml.Cdata(xml, "Content", text);
            xml.Append("<MsgId>").Append(msgId).Append("</MsgId></xml>");
            Enqueue(a, channel, f.OpenId, "text", xml.ToString(), fromFollower: true, now, now);
            return WeChatPhoneProblem.None;
        }
    }

    /// <summary>The follower taps a menu button of type click: a CLICK event with its key.</summary>
    public WeChatPhoneProblem Click(ChannelAccount channel, string follower, string key)
    {
        var now = _time.GetUtcNow();
        var a = _store.Account(channel.Id, now);
        lock (a.Gate)
        {
            var f = Follower(a, channel.Id, follower, create: false, now);
            if (f is not { Subscribed: true })
            {
                return WeChatPhoneProblem.NotFollowing;
            }

            var button = Buttons(a.Menu).SelectMany(b => b.SubButtons.Count > 0 ? b.SubButtons : [b]).FirstOrDefault(b => b.Type == "click" && b.Key == key);
            if (button is null)
            {
                return WeChatPhoneProblem.UnknownButton;
            }

            f.LastActionAt = now;
            f.CustomSinceAction = 0;
            AddPhone(f, new WeChatPhoneMessage(NextPhoneId(), WeChatPhoneKind.Event, "CLICK " + button.Name, now.UtcDateTime));
            Enqueue(a, channel, f.OpenId, "event:CLICK", EventXml(channel, f.OpenId, now, "CLICK", key, null), fromFollower: true, now, now);
            return WeChatPhoneProblem.None;
        }
    }

    /// <summary>The follower comments on an article they received (WeChat does not push comments: the account reads
    /// them with comment/list).</summary>
    public WeChatPhoneProblem Comment(ChannelAccount channel, string follower, long msgDataId, int index, string text)
    {
        var now = _time.GetUtcNow();
        var a = _store.Account(channel.Id, now);
        lock (a.Gate)
        {
            var f = Follower(a, channel.Id, follower, create: false, now);
            if (f is null || !f.Messages.Any(m => m.MsgDataId == msgDataId && m.Index == index) || !a.Published.TryGetValue(msgDataId, out var published))
            {
                return WeChatPhoneProblem.NoSuchArticle;
            }

            if (!published.CommentsOpen[index])
            {
                return WeChatPhoneProblem.CommentsClosed;
            }

            if (published.Articles[index].OnlyFansCanComment && !f.Subscribed)
            {
                return WeChatPhoneProblem.NotFollowing;
            }

            published.Comments[index].Add(new SimComment(_store.NextCommentId(), f.OpenId, now, text));
            return WeChatPhoneProblem.None;
        }
    }

    /// <summary>True the first time it is asked for an account since the simulator started: the caller then adds the
    /// followers Piazza already knows (<see cref="AddFollower"/>), so that a restart does not lose them.</summary>
    public bool FirstMeeting(Guid channelId)
    {
        lock (_met)
        {
            return _met.Add(channelId);
        }
    }

    private readonly HashSet<Guid> _met = [];

    /// <summary>Adds a permanent parameter QR code that the account created before the simulator's memory (a flyer
    /// campaign Piazza keeps), so that the phone can scan it.</summary>
    public void AddQrCode(Guid channelId, string scene, string ticket)
    {
        var a = _store.Account(channelId, _time.GetUtcNow());
        lock (a.Gate)
        {
            a.QrCodes.TryAdd(ticket, new SimQrCode(scene, ticket, true, null));
        }
    }

    /// <summary>Adds a follower without any callback, as if they had followed at <paramref name="since"/> (for data that
    /// exists before the simulator's memory, such as a demo's followers).</summary>
    public void AddFollower(Guid channelId, string openId, string name, DateTimeOffset since)
    {
        var a = _store.Account(channelId, _time.GetUtcNow());
        lock (a.Gate)
        {
            if (!a.Followers.TryGetValue(openId, out var f))
            {
                f = new SimFollower(openId, name);
                a.Followers[openId] = f;
                a.FollowOrder.Add(openId);
            }

            f.Subscribed = true;
            f.SubscribedAt = since;
            f.LastActivity = since;
        }
    }

    /// <summary>The follower, or null when they never followed.</summary>
    public WeChatFollowerView? FollowerView(Guid channelId, string openId)
    {
        if (_store.Find(channelId) is not { } a)
        {
            return null;
        }

        lock (a.Gate)
        {
            return a.Followers.TryGetValue(openId, out var f) ? new WeChatFollowerView(f.OpenId, f.Name, f.Subscribed, [.. f.Tags], f.LastActionAt?.UtcDateTime) : null;
        }
    }

    /// <summary>The follower's chat with the account, oldest first.</summary>
    public IReadOnlyList<WeChatPhoneMessage> Conversation(Guid channelId, string openId)
    {
        if (_store.Find(channelId) is not { } a)
        {
            return [];
        }

        lock (a.Gate)
        {
            return a.Followers.TryGetValue(openId, out var f) ? [.. f.Messages] : [];
        }
    }

    /// <summary>The names of the account's followers (followed or not any more), the most recently active first.</summary>
    public IReadOnlyList<string> RecentFollowers(Guid channelId, int max)
    {
        if (_store.Find(channelId) is not { } a)
        {
            return [];
        }

        lock (a.Gate)
        {
            return [.. a.Followers.Values.OrderByDescending(f => f.LastActivity).Take(max).Select(f => f.Name)];
        }
    }

    /// <summary>The account's parameter QR codes that can still be scanned, one per scene, the newest first.</summary>
    public IReadOnlyList<WeChatScene> Scenes(Guid channelId)
    {
        if (_store.Find(channelId) is not { } a)
        {
            return [];
        }

        lock (a.Gate)
        {
            return [.. LiveQrCodes(a, _time.GetUtcNow()).Select(q => new WeChatScene(q.Scene, q.Ticket, q.Permanent, q.ExpiresAt))];
        }
    }

    /// <summary>The account's menu (empty when it has none).</summary>
    public IReadOnlyList<WeChatMenuButton> Menu(Guid channelId)
    {
        if (_store.Find(channelId) is not { } a)
        {
            return [];
        }

        lock (a.Gate)
        {
            return Buttons(a.Menu);
        }
    }

    /// <summary>The comments on an article (not deleted), oldest first, and whether it takes comments.</summary>
    public (IReadOnlyList<WeChatPhoneComment> Comments, bool Open) Comments(Guid channelId, long msgDataId, int index)
    {
        if (_store.Find(channelId) is not { } a)
        {
            return ([], false);
        }

        lock (a.Gate)
        {
            if (!a.Published.TryGetValue(msgDataId, out var published) || index < 0 || index >= published.Articles.Count)
            {
                return ([], false);
            }

            return ([.. published.Comments[index].Where(c => !c.Deleted).Select(c => c.View())], published.CommentsOpen[index]);
        }
    }

    /// <summary>The callbacks of the account, oldest first (the most recent <see cref="WeChatSimulatorOptions.MaxOutboxPerAccount"/>).</summary>
    public IReadOnlyList<WeChatCallbackRecord> Outbox(Guid channelId)
    {
        if (_store.Find(channelId) is not { } a)
        {
            return [];
        }

        lock (a.Gate)
        {
            return [.. a.Outbox];
        }
    }

    private SimFollower? Follower(SimAccount a, Guid channelId, string name, bool create, DateTimeOffset now)
    {
        var openId = OpenIdOf(channelId, name);
        if (!a.Followers.TryGetValue(openId, out var f))
        {
            if (!create || a.Followers.Count >= Math.Max(1, Options.MaxFollowersPerAccount))
            {
                return null;
            }

            f = new SimFollower(openId, name.Trim());
            a.Followers[openId] = f;
            a.FollowOrder.Add(openId);
        }

        f.LastActivity = now;
        return f;
    }

    private static IEnumerable<SimQrCode> LiveQrCodes(SimAccount a, DateTimeOffset now) =>
        a.QrCodes.Values.Where(q => q.ExpiresAt is null || q.ExpiresAt > now)
            .GroupBy(q => q.Scene, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(q => q.Permanent).ThenByDescending(q => q.ExpiresAt).First());

    private static List<WeChatMenuButton> Buttons(JsonArray? menu)
    {
        var result = new List<WeChatMenuButton>();
        foreach (var button in (menu ?? []).OfType<JsonObject>())
        {
            var subs = (button["sub_button"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(s => new WeChatMenuButton(Str(s, "name") ?? string.Empty, Str(s, "type"), Str(s, "key"), Str(s, "url"), []))
                .ToList();
            result.Add(new WeChatMenuButton(Str(button, "name") ?? string.Empty, Str(button, "type"), Str(button, "key"), Str(button, "url"), subs));
        }

        return result;
    }

    private void AddPhone(SimFollower f, WeChatPhoneMessage message)
    {
        f.Messages.AddLast(message);
        while (f.Messages.Count > Math.Max(1, Options.MaxMessagesPerFollower))
        {
            f.Messages.RemoveFirst();
        }
    }

    private string NextPhoneId() => "m" + Interlocked.Increment(ref _phoneIds).ToString(CultureInfo.InvariantCulture);

    private static string EventXml(ChannelAccount channel, string openId, DateTimeOffset at, string ev, string? eventKey, string? ticket)
    {
        var xml = new StringBuilder("<xml>");
        WeChatXml.Cdata(xml, "ToUserName", OriginalId(channel));
        WeChatXml.Cdata(xml, "FromUserName", openId);
        xml.Append("<CreateTime>").Append(Unix(at)).Append("</CreateTime>");
        WeChatXml.Cdata(xml, "MsgType", "event");
        WeChatXml.Cdata(xml, "Event", ev);
        if (eventKey is not null)
        {
            WeChatXml.Cdata(xml, "EventKey", eventKey);
        }

        if (ticket is not null)
        {
            WeChatXml.Cdata(xml, "Ticket", ticket);
        }

        return xml.Append("</xml>").ToString();
    }

    /// <summary>An article's digest, or the start of its text without markup.</summary>
    private static string Digest(WeChatArticle article)
    {
        if (article.Digest.Length > 0)
        {
            return article.Digest;
        }

        var text = PlainText(article.Content);
        return text.Length <= 54 ? text : text[..54];
    }

    /// <summary>An article's HTML as plain text: line breaks for paragraphs and breaks, no other markup, entities decoded.</summary>
    public static string PlainText(string html)
    {
        var sb = new StringBuilder(html.Length);
        var i = 0;
        while (i < html.Length)
        {
            if (html[i] == '<')
            {
                var end = html.IndexOf('>', i);
                if (end < 0)
                {
                    break;
                }

                var tag = html[(i + 1)..end].Trim().ToUpperInvariant();
                if (tag.StartsWith("BR", StringComparison.Ordinal) || tag is "/P" or "/LI" or "/H1" or "/H2" or "/H3" or "/DIV")
                {
                    sb.Append('\n');
                }

                i = end + 1;
            }
            else
            {
                sb.Append(html[i++]);
            }
        }

        return System.Net.WebUtility.HtmlDecode(sb.ToString()).Trim();
    }

    // ─── Callbacks ─────────────────────────────────────────────────────────────────────────────────────────────────

    private void Enqueue(SimAccount a, ChannelAccount channel, string openId, string what, string xml, bool fromFollower, DateTimeOffset due, DateTimeOffset now)
    {
        var id = _store.NextCallbackId();
        var record = new WeChatCallbackRecord(id, channel.Id, openId, what, xml, now);
        a.Outbox.AddLast(record);
        while (a.Outbox.Count > Math.Max(1, Options.MaxOutboxPerAccount))
        {
            a.Outbox.RemoveFirst();
        }

        lock (_queueLock)
        {
            if (_queue.Count >= Math.Max(16, Options.CallbackQueue))
            {
                record.Finish("Dropped");
                if (Interlocked.Increment(ref _dropped) % 1000 == 1)
                {
                    _logger.LogWarning("WeChat simulator: the callback queue is full; callbacks are dropped ({Dropped} so far)", Interlocked.Read(ref _dropped));
                }

                return;
            }

            _queue.Enqueue(new WeChatPendingCallback(id, channel, openId, xml, fromFollower, due, record), (due, id));
            _wake.TrySetResult();
        }
    }

    /// <summary>The next callback whose time has come (waits for it).</summary>
    public async Task<WeChatPendingCallback> NextCallbackAsync(CancellationToken ct)
    {
        while (true)
        {
            Task wake;
            TimeSpan wait;
            lock (_queueLock)
            {
                if (_queue.TryPeek(out var first, out var key))
                {
                    var now = _time.GetUtcNow();
                    if (key.Due <= now)
                    {
                        _queue.Dequeue();
                        return first;
                    }

                    wait = key.Due - now;
                }
                else
                {
                    wait = Timeout.InfiniteTimeSpan;
                }

                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wake = _wake.Task;
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delay = wait == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, stop.Token) : Task.Delay(wait, _time, stop.Token);
            await Task.WhenAny(delay, wake);
            await stop.CancelAsync();
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Whether the account can be called back: WeChat signs every callback with the server token.</summary>
    public static bool CanSign(ChannelAccount channel) => channel.Secret(WeChatChannel.Token) is not null;

    /// <summary>One attempt's request, as WeChat sends it: <c>signature=sha1(sort(token, timestamp, nonce))</c>,
    /// timestamp, nonce and openid; in safe mode (the account has an EncodingAESKey) also <c>encrypt_type=aes</c> and
    /// <c>msg_signature=sha1(sort(token, timestamp, nonce, Encrypt))</c>, and the body <c>&lt;xml&gt;&lt;ToUserName/&gt;&lt;Encrypt/&gt;&lt;/xml&gt;</c>.
    /// Each attempt has its own timestamp, nonce and encryption; the message inside (its MsgId, CreateTime) is the same.</summary>
    public WeChatCallbackPost Request(WeChatPendingCallback callback)
    {
        var channel = callback.Channel;
        var token = channel.Secret(WeChatChannel.Token) ?? string.Empty;
        var timestamp = Unix(_time.GetUtcNow());
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var query = new StringBuilder()
            .Append("signature=").Append(WeChatCrypto.Signature(token, timestamp, nonce))
            .Append("&timestamp=").Append(timestamp)
            .Append("&nonce=").Append(nonce)
            .Append("&openid=").Append(Uri.EscapeDataString(callback.OpenId));
        if (AesKey(channel) is not { } key)
        {
            return new WeChatCallbackPost(query.ToString(), callback.Xml, SafeMode: false);
        }

        var encrypt = WeChatCrypto.Encrypt(callback.Xml, key, channel.Setting(WeChatChannel.AppId) ?? string.Empty);
        query.Append("&encrypt_type=aes&msg_signature=").Append(WeChatCrypto.Signature(token, timestamp, nonce, encrypt));
        var body = new StringBuilder("<xml>");
        WeChatXml.Cdata(body, "ToUserName", OriginalId(channel));
        WeChatXml.Cdata(body, "Encrypt", encrypt);
        return new WeChatCallbackPost(query.ToString(), body.Append("</xml>").ToString(), SafeMode: true);
    }

    /// <summary>Records an attempt in the outbox.</summary>
    public void Attempted(WeChatPendingCallback callback, WeChatCallbackAttempt attempt) => callback.Record.Add(attempt);

    /// <summary>The account's server answered (HTTP 2xx) with <paramref name="body"/>: "success" or nothing is no reply; a
    /// passive reply is verified as WeChat does (in safe mode: its MsgSignature, then decrypted, for this AppID; then
    /// addressed to the follower, from the account, a text) and shown on the follower's phone. A reply that fails any
    /// check is ignored (and logged), and the follower is told the account cannot answer, as WeChat tells them.</summary>
    public string Answered(WeChatPendingCallback callback, string body)
    {
        var reply = body.Trim();
        if (reply.Length == 0 || reply == "success")
        {
            callback.Record.Finish("Answered");
            return "Answered";
        }

        var (content, problem) = ReadReply(callback, reply);
        if (problem is not null)
        {
            _logger.LogWarning("WeChat simulator: the passive reply of channel {Channel} to {What} is ignored: {Problem}", callback.Channel.Id, callback.Record.What, problem);
            callback.Record.Finish("ReplyRejected");
            Notify(callback);
            return "ReplyRejected";
        }

        if (!callback.FromFollower)
        {
            callback.Record.Finish("Answered");
            return "Answered";
        }

        var now = _time.GetUtcNow();
        if (_store.Find(callback.Channel.Id) is { } a)
        {
            lock (a.Gate)
            {
                if (a.Followers.TryGetValue(callback.OpenId, out var f) && f.Subscribed)
                {
                    AddPhone(f, new WeChatPhoneMessage(NextPhoneId(), WeChatPhoneKind.Reply, content!, now.UtcDateTime));
                }
            }
        }

        callback.Record.Finish("Replied", content);
        return "Replied";
    }

    /// <summary>No answer came after the retries: WeChat gives up, and tells a follower who was waiting for one.</summary>
    public void GaveUp(WeChatPendingCallback callback, string result = "Failed")
    {
        callback.Record.Finish(result);
        if (result == "Failed")
        {
            Notify(callback);
        }
    }

    private (string? Content, string? Problem) ReadReply(WeChatPendingCallback callback, string body)
    {
        var channel = callback.Channel;
        try
        {
            var xml = body;
            if (AesKey(channel) is { } key)
            {
                var envelope = WeChatXml.Fields(body);
                var encrypt = envelope.GetValueOrDefault("Encrypt");
                if (string.IsNullOrEmpty(encrypt))
                {
                    return (null, "in safe mode the reply must be the encrypted envelope (Encrypt, MsgSignature, TimeStamp, Nonce)");
                }

                if (!WeChatCrypto.SignatureValid(envelope.GetValueOrDefault("MsgSignature"), channel.Secret(WeChatChannel.Token) ?? string.Empty,
                        envelope.GetValueOrDefault("TimeStamp"), envelope.GetValueOrDefault("Nonce"), encrypt))
                {
                    return (null, "its MsgSignature is not sha1(sort(token, TimeStamp, Nonce, Encrypt))");
                }

                xml = WeChatCrypto.Decrypt(encrypt, key, channel.Setting(WeChatChannel.AppId) ?? string.Empty);
            }

            var fields = WeChatXml.Fields(xml);
            if (fields.GetValueOrDefault("ToUserName") != callback.OpenId)
            {
                return (null, "its ToUserName is not the follower's OpenID");
            }

            if (channel.Setting(WeChatChannel.OriginalId) is { } original && fields.GetValueOrDefault("FromUserName") != original)
            {
                return (null, "its FromUserName is not the account's original ID");
            }

            if (fields.GetValueOrDefault("MsgType") != "text")
            {
                return (null, "the sandbox shows text replies only (MsgType text)");
            }

            return fields.GetValueOrDefault("Content") is { Length: > 0 } content ? (content, null) : (null, "the reply has no Content");
        }
        catch (XmlException e)
        {
            return (null, "it is not WeChat's XML: " + e.Message);
        }
        catch (CryptographicException e)
        {
            return (null, "it cannot be decrypted for this AppID: " + e.Message);
        }
    }

    private void Notify(WeChatPendingCallback callback)
    {
        if (!callback.FromFollower || _store.Find(callback.Channel.Id) is not { } a)
        {
            return;
        }

        lock (a.Gate)
        {
            if (a.Followers.TryGetValue(callback.OpenId, out var f) && f.Subscribed)
            {
                AddPhone(f, new WeChatPhoneMessage(NextPhoneId(), WeChatPhoneKind.Notice, ServiceUnavailableNotice, _time.GetUtcNow().UtcDateTime));
            }
        }
    }

    private static string? AesKey(ChannelAccount channel) =>
        channel.Secret(WeChatChannel.EncodingAesKey) is { } key && WeChatCrypto.Key(key) is not null ? key : null;

    private static string OriginalId(ChannelAccount channel) => channel.Setting(WeChatChannel.OriginalId) ?? "gh_000000000000";

    // ─── JSON ──────────────────────────────────────────────────────────────────────────────────────────────────────

    private static string Unix(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>A whole number, given as a JSON number or as a string of digits.</summary>
    private static long? Long(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) => n,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    /// <summary>true/false, or 1/0.</summary>
    private static bool? Bool(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() is JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() is JsonValueKind.False => false,
        _ => Long(node) is { } n ? n != 0 : null,
    };

    private static WeChatAnswer Ok() => new(new JsonObject { ["errcode"] = 0, ["errmsg"] = "ok" });

    /// <summary>WeChat's error JSON (errmsg followed by a request id, as WeChat writes it).</summary>
    public static WeChatAnswer Error(int code, string message) => new(new JsonObject
    {
        ["errcode"] = code,
        ["errmsg"] = $"{message} rid: {RandomNumberGenerator.GetHexString(8, lowercase: true)}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}",
    });
}
