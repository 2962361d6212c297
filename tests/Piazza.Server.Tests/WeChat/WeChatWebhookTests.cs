using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Piazza.Channels.WeChat;
using Piazza.Inbound;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.WhatsApp;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>
/// The WeChat callback over the server's public HTTP endpoint, for a live service account in safe mode (its API base URL
/// points at a closed loopback port: nothing here may call WeChat): the URL check, signatures checked before anything
/// is read, XML attacks refused, WeChat's retries de-duplicated, follows from flyer QR codes with the bilingual welcome
/// as the passive reply (encrypted and signed), unfollows, keywords and the auto-reply menu.
/// </summary>
public sealed class WeChatWebhookTests(WhatsAppFactory factory) : IClassFixture<WhatsAppFactory>, IAsyncLifetime
{
    private const string Token = "ViaRoma101token";
    private const string AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    private const string AppId = "wxb11529c136998cb6";
    private const string Account = "gh_viaroma101";
    private Guid _org;
    private HttpClient _admin = null!;
    private Guid _channel;
    private long _msgId = 6_000_000_000_000_000_000;
    private long _time = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public async Task InitializeAsync()
    {
        (_org, var admin) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Prato"));
        _admin = admin;
        await admin.PutJsonAsync("/api/v1/sending-policy", new { monthlyCap = 5, serviceHours = "", quietHours = "" }); // no out-of-hours reply
        await admin.PostJsonAsync("/api/v1/topics", new { key = "scuola", names = new Dictionary<string, string> { ["it"] = "Scuola", ["zh"] = "学校" } });
        var channel = await admin.PostJsonAsync("/api/v1/channels", new
        {
            kind = "WeChat",
            name = "ViaRoma101",
            isSandbox = false,
            settings = new Dictionary<string, string>
            {
                ["baseUrl"] = "http://127.0.0.1:9/cgi-bin/", ["appId"] = AppId, ["originalId"] = Account, ["accountType"] = "service",
                ["requiredLanguages"] = "zh,it", ["policyUrl"] = "https://www.comune.prato.it/privacy-wechat", ["policyVersion"] = "2026-01",
                ["autoReplies"] = "ORARI|营业时间: Lun-ven 9-13 / 周一至周五 9-13点",
            },
            secrets = new Dictionary<string, string> { ["appSecret"] = "secret", ["token"] = Token, ["encodingAesKey"] = AesKey },
        });
        _channel = Guid.Parse(channel.Id());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_account_whose_AppID_key_or_type_WeChat_would_refuse_is_not_saved()
    {
        using var response = await _admin.PostAsJsonAsync("/api/v1/channels", new
        {
            kind = "WeChat",
            name = "ViaRoma101 sbagliato",
            isSandbox = false,
            settings = new Dictionary<string, string> { ["appId"] = "wx123", ["originalId"] = "viaroma", ["accountType"] = "enterprise" },
            secrets = new Dictionary<string, string> { ["appSecret"] = "s", ["token"] = "t", ["encodingAesKey"] = "too-short" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["secrets.encodingAesKey", "settings.accountType", "settings.appId", "settings.originalId"], errors.Select(e => e.Key).Order(StringComparer.Ordinal).ToList());
        await using var db = factory.Database.CreateContext();
        Assert.False(await db.Channels.IgnoreQueryFilters().AnyAsync(c => c.Name == "ViaRoma101 sbagliato"));
    }

    [Fact]
    public async Task The_url_check_echoes_only_to_the_right_signature()
    {
        var client = factory.CreateClient();
        var (ts, nonce) = ("1715943329", "1590219412");
        using var right = await client.GetAsync($"/hooks/wechat/{_channel}?signature={WeChatCrypto.Signature(Token, ts, nonce)}&timestamp={ts}&nonce={nonce}&echostr=9876543210");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("9876543210", await right.Content.ReadAsStringAsync());
        using var wrong = await client.GetAsync($"/hooks/wechat/{_channel}?signature={WeChatCrypto.Signature("other", ts, nonce)}&timestamp={ts}&nonce={nonce}&echostr=9876543210");
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        using var unknown = await client.GetAsync($"/hooks/wechat/{Guid.NewGuid()}?signature={WeChatCrypto.Signature(Token, ts, nonce)}&timestamp={ts}&nonce={nonce}&echostr=1");
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
    }

    [Fact]
    public async Task A_follow_from_a_flyer_subscribes_with_consent_and_gets_the_bilingual_welcome_encrypted_and_signed()
    {
        var openId = "oFlyer" + Guid.NewGuid().ToString("N")[..20];
        var (status, reply) = await PostAsync(Event(openId, "subscribe", "qrscene_mercato-2026"), safe: true);
        Assert.Equal(HttpStatusCode.OK, status);

        // The passive reply is the encrypted envelope: its signature checks and it decrypts for this AppID.
        var envelope = WeChatXml.Fields(reply);
        Assert.True(WeChatCrypto.SignatureValid(envelope["MsgSignature"], Token, envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"]));
        var answer = WeChatXml.Parse(WeChatCrypto.Decrypt(envelope["Encrypt"], AesKey, AppId));
        Assert.Equal(openId, answer.ToUserName);
        Assert.Equal(Account, answer.FromUserName);
        Assert.Equal("text", answer.MsgType);
        Assert.Contains("欢迎关注", answer.Content, StringComparison.Ordinal);
        Assert.Contains("Benvenuto", answer.Content, StringComparison.Ordinal);
        Assert.Contains("https://www.comune.prato.it/privacy-wechat", answer.Content, StringComparison.Ordinal);
        Assert.True(answer.Content!.IndexOf("欢迎关注", StringComparison.Ordinal) < answer.Content.IndexOf("Benvenuto", StringComparison.Ordinal), "Chinese first, as the channel's languages say");

        await using var db = factory.Database.CreateContext();
        var subscriber = await db.Subscribers.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == _channel && s.Address == openId);
        Assert.Equal(SubscriberStatus.Active, subscriber.Status);
        Assert.Equal(ConsentMethod.Follow, subscriber.ConsentMethod);
        Assert.Equal("qrscene_mercato-2026", subscriber.ConsentEvidence);
        Assert.Equal("flyer:mercato-2026", subscriber.Source);
        Assert.Equal("2026-01", subscriber.PolicyVersion);
        Assert.Equal("zh", subscriber.Language);
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(a => a.ObjectId == subscriber.Id.ToString(CultureInfo.InvariantCulture) && a.Action == "subscriber.subscribed"));

        // Unfollowing leaves at once; no answer is possible.
        var (unfollowStatus, unfollowReply) = await PostAsync(Event(openId, "unsubscribe", null), safe: true);
        Assert.Equal(HttpStatusCode.OK, unfollowStatus);
        Assert.Equal("success", unfollowReply);
        await using var after = factory.Database.CreateContext();
        var left = await after.Subscribers.IgnoreQueryFilters().SingleAsync(s => s.Id == subscriber.Id);
        Assert.Equal(SubscriberStatus.Left, left.Status);
        Assert.NotNull(left.LeftAt);
    }

    [Fact]
    public async Task Plain_mode_keywords_switch_a_followers_language_and_the_menu_answers()
    {
        var openId = "oPlain" + Guid.NewGuid().ToString("N")[..20];
        await PostAsync(Event(openId, "subscribe", null), safe: false);

        // "TEMI" is Italian: the follower now gets Italian, and the list of topics in Italian.
        var (_, topics) = await PostAsync(Text(openId, "temi", out _), safe: false);
        var menu = WeChatXml.Parse(topics);
        Assert.Contains("Scuola", menu.Content, StringComparison.Ordinal);
        await using (var db = factory.Database.CreateContext())
        {
            Assert.Equal("it", (await db.Subscribers.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == _channel && s.Address == openId)).Language);
        }

        // An auto-reply keyword, in full-width characters and lower case.
        var (_, hours) = await PostAsync(Text(openId, "营业时间", out _), safe: false);
        Assert.Equal("Lun-ven 9-13 / 周一至周五 9-13点", WeChatXml.Parse(hours).Content);

        // The menu's CLICK gives the same answer.
        var (_, click) = await PostAsync(Event(openId, "CLICK", InboundProcessor.AutoReplyKeyPrefix + "0"), safe: false);
        Assert.Equal("Lun-ven 9-13 / 周一至周五 9-13点", WeChatXml.Parse(click).Content);

        // Anything else is kept for the staff, with no passive reply.
        var (_, kept) = await PostAsync(Text(openId, "Buongiorno, a che ora apre l'anagrafe?", out _), safe: false);
        Assert.Equal("success", kept);
    }

    [Fact]
    public async Task WeChats_retries_of_a_message_are_stored_and_answered_once()
    {
        var openId = "oRetry" + Guid.NewGuid().ToString("N")[..20];
        var xml = Text(openId, "ciao", out var msgId);
        for (var i = 0; i < 3; i++)
        {
            var (status, _) = await PostAsync(xml, safe: true);
            Assert.Equal(HttpStatusCode.OK, status);
        }

        var follow = Event(openId, "subscribe", null);
        var (_, first) = await PostAsync(follow, safe: false);
        var (_, again) = await PostAsync(follow, safe: false);
        Assert.Contains("欢迎关注", WeChatXml.Parse(first).Content, StringComparison.Ordinal);
        Assert.Equal("success", again);

        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.InboundMessages.IgnoreQueryFilters().CountAsync(m => m.ChannelId == _channel && m.PlatformMessageId == msgId));
        Assert.Equal(1, await db.InboundMessages.IgnoreQueryFilters().CountAsync(m => m.ChannelId == _channel && m.Address == openId && m.Event == "subscribe"));
    }

    [Fact]
    public async Task Wrong_signatures_and_stale_timestamps_get_401_and_store_nothing()
    {
        var openId = "oForged" + Guid.NewGuid().ToString("N")[..20];
        var client = factory.CreateClient();
        var ts = (_time++).ToString(CultureInfo.InvariantCulture);
        const string Nonce = "12345";

        // Plain: wrong token, and a right signature of other parameters.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, $"signature={WeChatCrypto.Signature("forged", ts, Nonce)}&timestamp={ts}&nonce={Nonce}", Text(openId, "x", out _)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, $"signature={WeChatCrypto.Signature(Token, ts, Nonce)}&timestamp={ts}&nonce=99999", Text(openId, "x", out _)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, $"timestamp={ts}&nonce={Nonce}", Text(openId, "x", out _)));

        // Safe mode: the query signature is right but msg_signature is not the one of this Encrypt.
        var cipher = WeChatCrypto.Encrypt(Text(openId, "x", out _), AesKey, AppId);
        var body = $"<xml><ToUserName><![CDATA[{Account}]]></ToUserName><Encrypt><![CDATA[{cipher}]]></Encrypt></xml>";
        var query = $"signature={WeChatCrypto.Signature(Token, ts, Nonce)}&timestamp={ts}&nonce={Nonce}&encrypt_type=aes&msg_signature={WeChatCrypto.Signature(Token, ts, Nonce, "other")}";
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, query, body));

        // A signature of last week (a replay).
        var old = DateTimeOffset.UtcNow.AddDays(-7).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, $"signature={WeChatCrypto.Signature(Token, old, Nonce)}&timestamp={old}&nonce={Nonce}", Text(openId, "x", out _)));

        await using var db = factory.Database.CreateContext();
        Assert.False(await db.InboundMessages.IgnoreQueryFilters().AnyAsync(m => m.Address == openId));
    }

    [Fact]
    public async Task External_entities_entity_expansion_and_oversized_bodies_are_refused_unread()
    {
        var openId = "oAttack" + Guid.NewGuid().ToString("N")[..20];
        var xxe = $"<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><ToUserName>{Account}</ToUserName><FromUserName>{openId}</FromUserName><CreateTime>{_time}</CreateTime><MsgType>text</MsgType><Content>&e;</Content><MsgId>1</MsgId></xml>";
        var laughs = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY a \"lol\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
            + $"<xml><ToUserName>{Account}</ToUserName><FromUserName>{openId}</FromUserName><CreateTime>{_time}</CreateTime><MsgType>text</MsgType><Content>&d;</Content><MsgId>2</MsgId></xml>";
        foreach (var attack in new[] { xxe, laughs })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(attack, safe: false)).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(attack, safe: true)).Status);
        }

        var huge = Text(openId, new string('x', WeChatXml.MaxBody + 10), out _);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync(huge, safe: false)).Status);

        await using var db = factory.Database.CreateContext();
        Assert.False(await db.InboundMessages.IgnoreQueryFilters().AnyAsync(m => m.Address == openId));
    }

    private async Task<HttpStatusCode> StatusAsync(HttpClient client, string query, string body)
    {
        using var response = await client.PostAsync($"/hooks/wechat/{_channel}?{query}", new StringContent(body, Encoding.UTF8, "text/xml"));
        return response.StatusCode;
    }

    /// <summary>Posts a callback signed as WeChat signs it (encrypted in safe mode); returns the status and the body.</summary>
    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string xml, bool safe)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
        var query = $"signature={WeChatCrypto.Signature(Token, ts, nonce)}&timestamp={ts}&nonce={nonce}&openid=x";
        var body = xml;
        if (safe)
        {
            var cipher = WeChatCrypto.Encrypt(xml, AesKey, AppId);
            body = $"<xml><ToUserName><![CDATA[{Account}]]></ToUserName><Encrypt><![CDATA[{cipher}]]></Encrypt></xml>";
            query += $"&encrypt_type=aes&msg_signature={WeChatCrypto.Signature(Token, ts, nonce, cipher)}";
        }

        using var response = await factory.CreateClient().PostAsync($"/hooks/wechat/{_channel}?{query}", new StringContent(body, Encoding.UTF8, "text/xml"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private string Text(string openId, string content, out string msgId)
    {
        msgId = (_msgId++).ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder("<xml>");
        WeChatXml.Cdata(sb, "ToUserName", Account);
        WeChatXml.Cdata(sb, "FromUserName", openId);
        sb.Append("<CreateTime>").Append(_time++).Append("</CreateTime>");
        WeChatXml.Cdata(sb, "MsgType", "text");
        WeChatXml.Cdata(sb, "Content", content);
        sb.Append("<MsgId>").Append(msgId).Append("</MsgId></xml>");
        return sb.ToString();
    }

    private string Event(string openId, string name, string? key)
    {
        var sb = new StringBuilder("<xml>");
        WeChatXml.Cdata(sb, "ToUserName", Account);
        WeChatXml.Cdata(sb, "FromUserName", openId);
        sb.Append("<CreateTime>").Append(_time++).Append("</CreateTime>");
        WeChatXml.Cdata(sb, "MsgType", "event");
        WeChatXml.Cdata(sb, "Event", name);
        if (key is not null)
        {
            WeChatXml.Cdata(sb, "EventKey", key);
        }

        return sb.Append("</xml>").ToString();
    }
}
