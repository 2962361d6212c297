using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Channels.WeChat;

/// <summary>WeChat refused a call: its <c>errcode</c> and <c>errmsg</c> (-1 also for "system busy" and for transport failures).</summary>
public sealed class WeChatException(int code, string message, JsonNode? body = null) : Exception($"WeChat error {code}: {message}")
{
    public int Code { get; } = code;

    public string WeChatMessage { get; } = message;

    /// <summary>The whole answer (45065 carries the msg_id of the earlier mass send).</summary>
    public JsonNode? Body { get; } = body;

    /// <summary>The access token was refused (40001 invalid, 40014 not a token, 42001 expired).</summary>
    public bool TokenRefused => Code is 40001 or 40014 or 42001;

    /// <summary>WeChat's frequency limits (45009 daily API quota, 45011 minute quota, 45047 customer-service limit).</summary>
    public bool RateLimited => Code is 45009 or 45011 or 45047 or 45066;

    /// <summary>Worth trying again later: WeChat busy, transport trouble.</summary>
    public bool Transient => Code is -1 or 45009 or 45011;
}

/// <summary>A follower's comment on an article, as <c>comment/list</c> returns it.</summary>
public sealed record WeChatComment(string UserCommentId, string OpenId, DateTime CreatedAt, string Content, bool Elected, string? Reply);

/// <summary>
/// The WeChat Official Account API (<c>{baseUrl}/…?access_token=…</c>), for one account's settings: access token
/// (through <see cref="WeChatTokens"/>, the one holder per account), tags, mass sends, articles, customer-service
/// messages, parameter QR codes, comments and the menu. A sandbox channel calls Piazza's simulator with the same code.
/// A call whose token WeChat refuses is tried once more with a new token.
/// </summary>
public sealed class WeChatApi(IHttpClientFactory http, WeChatTokens tokens, ILogger<WeChatApi> logger, ISandboxAddress? sandbox = null)
{
    /// <summary>The named HttpClient.</summary>
    public const string HttpClientName = "wechat";

    public const string DefaultBaseUrl = "https://api.weixin.qq.com/cgi-bin/";

    /// <summary>Tags one call may add or remove a follower from.</summary>
    public const int TaggingBatch = 50;

    /// <summary>The API base URL of the channel (ending with "/"), or null while a sandbox's simulator address is unknown.</summary>
    public string? BaseUrl(ChannelAccount channel)
    {
        var url = channel.IsSandbox ? sandbox?.WeChatBaseUrl : channel.Setting(WeChatChannel.BaseUrl) ?? DefaultBaseUrl;
        return url is null ? null : url.TrimEnd('/') + "/";
    }

    /// <summary>Fetches a new token from WeChat (<c>GET token</c>): only <see cref="WeChatTokens"/> calls it.</summary>
    public async Task<(string Token, TimeSpan ExpiresIn)> FetchTokenAsync(ChannelAccount channel, CancellationToken ct)
    {
        var appId = channel.Setting(WeChatChannel.AppId);
        var secret = channel.Secret(WeChatChannel.AppSecret);
        if (appId is null || secret is null)
        {
            throw new WeChatException(-1, "The channel has no AppID or AppSecret.");
        }

        var json = await SendAsync(channel, HttpMethod.Get,
            $"token?grant_type=client_credential&appid={Uri.EscapeDataString(appId)}&secret={Uri.EscapeDataString(secret)}", null, ct);
        var token = json?["access_token"]?.GetValue<string>() ?? throw new WeChatException(-1, "WeChat answered without an access_token.");
        var seconds = json["expires_in"]?.GetValueKind() == JsonValueKind.Number ? json["expires_in"]!.GetValue<int>() : 7200;
        return (token, TimeSpan.FromSeconds(Math.Clamp(seconds, 60, 7200)));
    }

    /// <summary>Calls an API path with the account's token (POST with a JSON body, or GET when the body is null).</summary>
    public async Task<JsonNode?> CallAsync(ChannelAccount channel, string path, JsonObject? body, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (token, version) = await tokens.GetAsync(channel.Id, c => FetchTokenAsync(channel, c), ct);
            var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            try
            {
                return await SendAsync(channel, body is null ? HttpMethod.Get : HttpMethod.Post, $"{path}{separator}access_token={Uri.EscapeDataString(token)}", body, ct);
            }
            catch (WeChatException e) when (e.TokenRefused && attempt == 1)
            {
                await tokens.InvalidateAsync(channel.Id, version, ct);
            }
        }
    }

    public async Task<int> CreateTagAsync(ChannelAccount channel, string name, CancellationToken ct)
    {
        var json = await CallAsync(channel, "tags/create", new JsonObject { ["tag"] = new JsonObject { ["name"] = name } }, ct);
        return json?["tag"]?["id"]?.GetValue<int>() ?? throw new WeChatException(-1, "tags/create answered without an id.");
    }

    /// <summary>The account's tags: id and name.</summary>
    public async Task<IReadOnlyList<(int Id, string Name)>> TagsAsync(ChannelAccount channel, CancellationToken ct)
    {
        var json = await CallAsync(channel, "tags/get", null, ct);
        return (json?["tags"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(t => (t["id"]!.GetValue<int>(), t["name"]?.GetValue<string>() ?? string.Empty)).ToList();
    }

    /// <summary>Adds (or removes) followers to a tag, at most <see cref="TaggingBatch"/> a call.</summary>
    public Task TagAsync(ChannelAccount channel, int tagId, IReadOnlyList<string> openIds, bool add, CancellationToken ct) =>
        CallAsync(channel, add ? "tags/members/batchtagging" : "tags/members/batchuntagging",
            new JsonObject { ["openid_list"] = new JsonArray([.. openIds.Select(o => (JsonNode)o)]), ["tagid"] = tagId }, ct);

    /// <summary>An article in the account's drafts (for a mass send of type mpnews): its media_id.</summary>
    public async Task<string> AddArticleAsync(ChannelAccount channel, string title, string html, string digest, string coverMediaId, CancellationToken ct)
    {
        var article = new JsonObject
        {
            ["title"] = title,
            ["author"] = channel.Name.Length <= 16 ? channel.Name : channel.Name[..16],
            ["digest"] = digest,
            ["content"] = html,
            ["thumb_media_id"] = coverMediaId,
            ["need_open_comment"] = 1,
            ["only_fans_can_comment"] = 1,
        };
        var json = await CallAsync(channel, "draft/add", new JsonObject { ["articles"] = new JsonArray(article) }, ct);
        return json?["media_id"]?.GetValue<string>() ?? throw new WeChatException(-1, "draft/add answered without a media_id.");
    }

    /// <summary>A mass send to a tag (text, or an article by media_id): msg_id and, for articles, msg_data_id.
    /// A repeated <paramref name="clientMsgId"/> within 24 hours is refused by WeChat (45065) with the earlier msg_id,
    /// which is returned as if sent now.</summary>
    public async Task<(string MsgId, string? MsgDataId)> MassSendAsync(
        ChannelAccount channel, int tagId, string? text, string? mediaId, string clientMsgId, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["filter"] = new JsonObject { ["is_to_all"] = false, ["tag_id"] = tagId },
            ["clientmsgid"] = clientMsgId,
        };
        if (mediaId is not null)
        {
            body["msgtype"] = "mpnews";
            body["mpnews"] = new JsonObject { ["media_id"] = mediaId };
            body["send_ignore_reprint"] = 0;
        }
        else
        {
            body["msgtype"] = "text";
            body["text"] = new JsonObject { ["content"] = text ?? string.Empty };
        }

        JsonNode? json;
        try
        {
            json = await CallAsync(channel, "message/mass/sendall", body, ct);
        }
        catch (WeChatException e) when (e.Code == 45065 && Id(e.Body?["msg_id"]) is { } earlier)
        {
            logger.LogInformation("WeChat channel {Channel}: mass send {ClientMsgId} had already been accepted as {MsgId}", channel.Id, clientMsgId, earlier);
            return (earlier, Id(e.Body?["msg_data_id"]));
        }

        return (Id(json?["msg_id"]) ?? throw new WeChatException(-1, "message/mass/sendall answered without a msg_id."), Id(json?["msg_data_id"]));
    }

    /// <summary>A customer-service text to one follower (allowed within 48 hours of their last action; else 45015).</summary>
    public Task CustomSendAsync(ChannelAccount channel, string openId, string text, CancellationToken ct) =>
        CallAsync(channel, "message/custom/send", new JsonObject
        {
            ["touser"] = openId,
            ["msgtype"] = "text",
            ["text"] = new JsonObject { ["content"] = text },
        }, ct);

    /// <summary>A permanent parameter QR code (<c>QR_LIMIT_STR_SCENE</c>): its ticket and the URL it encodes.</summary>
    public async Task<(string Ticket, string Url)> CreateQrCodeAsync(ChannelAccount channel, string scene, CancellationToken ct)
    {
        var json = await CallAsync(channel, "qrcode/create", new JsonObject
        {
            ["action_name"] = "QR_LIMIT_STR_SCENE",
            ["action_info"] = new JsonObject { ["scene"] = new JsonObject { ["scene_str"] = scene } },
        }, ct);
        var ticket = json?["ticket"]?.GetValue<string>();
        var url = json?["url"]?.GetValue<string>();
        return ticket is null || url is null ? throw new WeChatException(-1, "qrcode/create answered without a ticket and url.") : (ticket, url);
    }

    /// <summary>One page of an article's comments (at most 50).</summary>
    public async Task<(int Total, IReadOnlyList<WeChatComment> Comments)> CommentsAsync(ChannelAccount channel, string msgDataId, int index, int begin, CancellationToken ct)
    {
        var json = await CallAsync(channel, "comment/list", new JsonObject
        {
            ["msg_data_id"] = long.TryParse(msgDataId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : msgDataId,
            ["index"] = index,
            ["begin"] = begin,
            ["count"] = 50,
            ["type"] = 0,
        }, ct);
        var total = json?["total"]?.GetValue<int>() ?? 0;
        var comments = (json?["comment"] as JsonArray ?? []).OfType<JsonObject>().Select(c => new WeChatComment(
            Id(c["user_comment_id"]) ?? string.Empty,
            c["openid"]?.GetValue<string>() ?? string.Empty,
            DateTimeOffset.FromUnixTimeSeconds(c["create_time"]?.GetValue<long>() ?? 0).UtcDateTime,
            c["content"]?.GetValue<string>() ?? string.Empty,
            c["comment_type"]?.GetValueKind() == JsonValueKind.Number && c["comment_type"]!.GetValue<int>() == 1,
            c["reply"]?["content"]?.GetValue<string>())).Where(c => c.UserCommentId.Length > 0).ToList();
        return (total, comments);
    }

    /// <summary>Shows (elect) or hides (unelect) a comment under the article.</summary>
    public Task ElectCommentAsync(ChannelAccount channel, string msgDataId, int index, string userCommentId, bool elect, CancellationToken ct) =>
        CallAsync(channel, elect ? "comment/markelect" : "comment/unmarkelect", CommentKey(msgDataId, index, userCommentId), ct);

    /// <summary>The account's public reply under a comment.</summary>
    public Task ReplyCommentAsync(ChannelAccount channel, string msgDataId, int index, string userCommentId, string content, CancellationToken ct)
    {
        var body = CommentKey(msgDataId, index, userCommentId);
        body["content"] = content;
        return CallAsync(channel, "comment/reply/add", body, ct);
    }

    /// <summary>The account's menu: one CLICK button per entry (at most 3, the rest under "…").</summary>
    public Task CreateMenuAsync(ChannelAccount channel, IReadOnlyList<(string Name, string Key)> entries, CancellationToken ct)
    {
        static JsonObject Button((string Name, string Key) e) => new() { ["type"] = "click", ["name"] = Clip(e.Name, 16), ["key"] = e.Key };
        var buttons = entries.Count <= 3
            ? new JsonArray([.. entries.Select(e => (JsonNode)Button(e))])
            : new JsonArray(
                [.. entries.Take(2).Select(e => (JsonNode)Button(e)),
                 new JsonObject { ["name"] = "…", ["sub_button"] = new JsonArray([.. entries.Skip(2).Take(5).Select(e => (JsonNode)Button(e))]) }]);
        return CallAsync(channel, "menu/create", new JsonObject { ["button"] = buttons }, ct);
    }

    private static JsonObject CommentKey(string msgDataId, int index, string userCommentId) => new()
    {
        ["msg_data_id"] = long.TryParse(msgDataId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : msgDataId,
        ["index"] = index,
        ["user_comment_id"] = long.TryParse(userCommentId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : userCommentId,
    };

    /// <summary>WeChat writes ids as numbers; Piazza keeps them as text.</summary>
    private static string? Id(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Number => node.GetValue<long>().ToString(CultureInfo.InvariantCulture),
        JsonValueKind.String => node.GetValue<string>(),
        _ => null,
    };

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];

    private async Task<JsonNode?> SendAsync(ChannelAccount channel, HttpMethod method, string pathAndQuery, JsonObject? body, CancellationToken ct)
    {
        var baseUrl = BaseUrl(channel) ?? throw new WeChatException(-1, "The address of the sandbox simulator is not known yet (setting Sandbox:BaseUrl).");
        using var request = new HttpRequestMessage(method, baseUrl + pathAndQuery);
        if (body is not null)
        {
            // WeChat reads JSON as UTF-8 and wants Chinese unescaped (escaped text counts against the length limits).
            var json = body.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        HttpResponseMessage response;
        try
        {
            response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new WeChatException(-1, "WeChat could not be reached: " + e.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new WeChatException(-1, "WeChat did not answer in time.");
        }

        using (response)
        {
            var content = await response.Content.ReadAsStringAsync(ct);
            JsonNode? json = null;
            try
            {
                json = content.Length == 0 ? null : JsonNode.Parse(content);
            }
            catch (JsonException)
            {
            }

            if (!response.IsSuccessStatusCode || json is not JsonObject)
            {
                throw new WeChatException(-1, $"WeChat answered HTTP {(int)response.StatusCode} without a JSON result.");
            }

            var code = json["errcode"]?.GetValueKind() == JsonValueKind.Number ? json["errcode"]!.GetValue<int>() : 0;
            if (code != 0)
            {
                var message = json["errmsg"]?.GetValueKind() == JsonValueKind.String ? json["errmsg"]!.GetValue<string>() : string.Empty;
                logger.LogInformation("WeChat {Path} answered {Code} {Message}", pathAndQuery.Split('?')[0], code, message);
                throw new WeChatException(code, message, json);
            }

            return json;
        }
    }
}
