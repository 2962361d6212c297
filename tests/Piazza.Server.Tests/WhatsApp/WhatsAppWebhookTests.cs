using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Piazza.Broadcast;
using Piazza.Channels.WhatsApp;
using Piazza.Inbound;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.WhatsApp;

/// <summary>The broadcast factory, but every channel sends through its platform's real adapter (not the recorder).</summary>
public sealed class WhatsAppFactory : BroadcastFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Broadcast:Adapters:RecordAll"] = "false",
    };
}

/// <summary>
/// The WhatsApp webhook over the server's public HTTP endpoint, with a live channel whose Graph API base URL is a
/// stand-in for Meta on 127.0.0.1: the handshake, signatures, keywords in Italian, Chinese and English with the replies
/// Meta receives, Meta's retries, statuses into delivery states, and the template fallback.
/// </summary>
public sealed class WhatsAppWebhookTests(WhatsAppFactory factory) : IClassFixture<WhatsAppFactory>, IAsyncLifetime
{
    private const string AppSecret = "app-secret-di-prova";
    private const string VerifyToken = "token-di-verifica";
    private FakeMeta _meta = null!;
    private HttpClient _admin = null!;
    private Guid _org;
    private Guid _channel;
    private long _messageNumber;

    public async Task InitializeAsync()
    {
        _meta = await FakeMeta.StartAsync();
        (_org, _admin) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Empoli"));
        await _admin.PutJsonAsync("/api/v1/sending-policy", new { monthlyCap = 5, serviceHours = "", quietHours = "" });
        await _admin.PostJsonAsync("/api/v1/topics", new { key = "rifiuti", names = new Dictionary<string, string> { ["it"] = "Rifiuti", ["zh"] = "垃圾" } });
        await _admin.PostJsonAsync("/api/v1/topics", new { key = "traffico", names = new Dictionary<string, string> { ["it"] = "Traffico", ["zh"] = "交通" } });
        var channel = await _admin.PostJsonAsync("/api/v1/channels", new
        {
            kind = "WhatsApp",
            name = "WhatsEmpoli",
            isSandbox = false,
            settings = new Dictionary<string, string>
            {
                ["baseUrl"] = _meta.BaseUrl, ["apiVersion"] = "v23.0", ["phoneNumberId"] = "1234567890", ["businessAccountId"] = "555",
                ["policyUrl"] = "https://www.comune.empoli.fi.it/privacy-whatsapp", ["policyVersion"] = "2024-03",
                ["templates"] = "it: piazza_notiziario/it\nzh: piazza_notiziario/zh_CN", ["rateLimit"] = "80",
            },
            secrets = new Dictionary<string, string> { ["accessToken"] = "EAAG-token", ["appSecret"] = AppSecret, ["verifyToken"] = VerifyToken },
        });
        _channel = Guid.Parse(channel.Id());
    }

    public async Task DisposeAsync() => await _meta.DisposeAsync();

    [Fact]
    public async Task The_handshake_answers_the_challenge_to_the_right_token_only()
    {
        var client = factory.CreateClient();
        using var right = await client.GetAsync($"/hooks/whatsapp/{_channel}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=1158201444");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("1158201444", await right.Content.ReadAsStringAsync());
        using var wrong = await client.GetAsync($"/hooks/whatsapp/{_channel}?hub.mode=subscribe&hub.verify_token=altro&hub.challenge=1158201444");
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        using var unknown = await client.GetAsync($"/hooks/whatsapp/{Guid.NewGuid()}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=1");
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_or_altered_notifications_get_401_and_store_nothing()
    {
        var body = Message("+393330000001", "ATTIVA ISCRIZIONE", out _);
        var client = factory.CreateClient();
        foreach (var (content, signature) in new (string, string?)[]
        {
            (body, null),
            (body, WhatsAppWebhook.Sign(Encoding.UTF8.GetBytes(body), "another secret")),
            (body.Replace("ATTIVA", "DISATTIVA", StringComparison.Ordinal), WhatsAppWebhook.Sign(Encoding.UTF8.GetBytes(body), AppSecret)),
            (body, "sha256=not-hex"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/whatsapp/{_channel}") { Content = new StringContent(content, Encoding.UTF8, "application/json") };
            if (signature is not null)
            {
                request.Headers.Add("X-Hub-Signature-256", signature);
            }

            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await using var db = factory.Database.CreateContext();
        Assert.Equal(0, await db.InboundMessages.IgnoreQueryFilters().CountAsync(m => m.ChannelId == _channel));
        Assert.Empty(_meta.Requests);
    }

    [Fact]
    public async Task Subscribing_choosing_topics_and_leaving_by_keyword_with_answers_in_the_persons_language()
    {
        const string Phone = "+393331110001";
        await PostAsync(Message(Phone, "  attiva   Iscrizione ", out _));
        var subscriber = await WaitForSubscriberAsync(Phone, s => s.Status == SubscriberStatus.Active);
        Assert.Equal(ConsentMethod.Keyword, subscriber.ConsentMethod);
        Assert.Equal("attiva   Iscrizione", subscriber.ConsentEvidence);
        Assert.Equal("2024-03", subscriber.PolicyVersion);
        Assert.Equal("it", subscriber.Language);
        var confirmation = await ReplyToAsync(Phone, 1);
        Assert.StartsWith("Iscrizione attivata", confirmation, StringComparison.Ordinal);
        Assert.Contains("https://www.comune.empoli.fi.it/privacy-whatsapp", confirmation, StringComparison.Ordinal);
        Assert.Contains("TEMI", confirmation, StringComparison.Ordinal);
        Assert.Contains("DISATTIVA ISCRIZIONE", confirmation, StringComparison.Ordinal);

        await PostAsync(Message(Phone, "Temi", out _));
        var menu = await ReplyToAsync(Phone, 2);
        Assert.Contains("1. ✓ Rifiuti", menu, StringComparison.Ordinal);
        Assert.Contains("2. ✓ Traffico", menu, StringComparison.Ordinal);
        await PostAsync(Message(Phone, "2", out _));
        Assert.Equal("Argomenti aggiornati. Riceverai: Traffico.", await ReplyToAsync(Phone, 3));
        await using (var db = factory.Database.CreateContext())
        {
            var topics = await db.Set<SubscriberTopic>().IgnoreQueryFilters().Where(t => t.SubscriberId == subscriber.Id).Select(t => t.TopicId).ToListAsync();
            var traffic = await db.Topics.IgnoreQueryFilters().Where(t => t.OrganizationId == _org && t.Key == "traffico").Select(t => t.Id).SingleAsync();
            Assert.Equal([traffic], topics);
        }

        await PostAsync(Message(Phone, "DISATTIVA ISCRIZIONE", out _));
        await WaitForSubscriberAsync(Phone, s => s.Status == SubscriberStatus.Left && s.LeftAt != null);
        Assert.StartsWith("Iscrizione disattivata", await ReplyToAsync(Phone, 4), StringComparison.Ordinal);

        // Chinese and English keywords make Chinese and English subscribers, answered in their language.
        await PostAsync(Message("+393331110002", "订阅", out _));
        Assert.Equal("zh", (await WaitForSubscriberAsync("+393331110002", s => s.Status == SubscriberStatus.Active)).Language);
        Assert.StartsWith("订阅成功", await ReplyToAsync("+393331110002", 1), StringComparison.Ordinal);
        await PostAsync(Message("+393331110002", "退订", out _));
        await WaitForSubscriberAsync("+393331110002", s => s.Status == SubscriberStatus.Left);
        Assert.StartsWith("已退订", await ReplyToAsync("+393331110002", 2), StringComparison.Ordinal);
        await PostAsync(Message("+393331110003", "start", out _));
        await WaitForSubscriberAsync("+393331110003", s => s.Status == SubscriberStatus.Active);
        Assert.StartsWith("You are subscribed", await ReplyToAsync("+393331110003", 1), StringComparison.Ordinal);

        // Every reply went to Meta as text, to the number without "+", with the channel's token.
        Assert.All(_meta.Requests, r =>
        {
            Assert.Equal("/v23.0/1234567890/messages", r.Path);
            Assert.Equal("Bearer EAAG-token", r.Authorization);
            Assert.Equal("text", (string?)r.Body["type"]);
            Assert.DoesNotContain("+", (string)r.Body["to"]!, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Metas_retries_of_a_message_change_nothing_the_second_time()
    {
        const string Phone = "+393331110010";
        var body = Message(Phone, "ATTIVA ISCRIZIONE", out var id);
        await PostAsync(body);
        await PostAsync(body);
        await WaitForSubscriberAsync(Phone, s => s.Status == SubscriberStatus.Active);
        await ReplyToAsync(Phone, 1);
        await PostAsync(body);
        await Task.Delay(500);
        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.InboundMessages.IgnoreQueryFilters().CountAsync(m => m.ChannelId == _channel && m.PlatformMessageId == id));
        Assert.Equal(1, await db.Subscribers.IgnoreQueryFilters().CountAsync(s => s.ChannelId == _channel && s.Address == Phone));
        Assert.Single(_meta.Requests, r => (string?)r.Body["to"] == Phone[1..]);
    }

    [Fact]
    public async Task Other_messages_are_kept_for_the_staff_and_out_of_hours_answered_once_a_day()
    {
        await _admin.PutJsonAsync("/api/v1/sending-policy", new { monthlyCap = 5, serviceHours = "Mon 00:00-00:01", quietHours = "" });
        try
        {
            const string Phone = "+393331110020";
            await PostAsync(Message(Phone, "Buongiorno, quando passa la raccolta del vetro?", out var first));
            await PostAsync(Message(Phone, "Via Roma 12", out var second));
            await BroadcastFactory.WaitUntilAsync(async () =>
            {
                await using var db = factory.Database.CreateContext();
                return await db.InboundMessages.IgnoreQueryFilters().CountAsync(m => m.ChannelId == _channel && m.Address == Phone && m.State == InboundState.Kept) == 2;
            }, 20, "both messages kept");
            Assert.StartsWith("Grazie del messaggio", await ReplyToAsync(Phone, 1), StringComparison.Ordinal);
            await Task.Delay(300);
            Assert.Single(_meta.Requests, r => (string?)r.Body["to"] == Phone[1..]);
        }
        finally
        {
            await _admin.PutJsonAsync("/api/v1/sending-policy", new { monthlyCap = 5, serviceHours = "", quietHours = "" });
        }
    }

    [Fact]
    public async Task A_broadcast_goes_out_as_the_template_text_falls_back_to_it_and_statuses_move_deliveries_to_read()
    {
        // Two subscribers reading Chinese: one never wrote (template), one wrote an hour ago (text, which Meta refuses
        // with 131047 as if the window had closed: the adapter falls back to the template).
        Guid rifiuti, traffico;
        await using (var db = factory.Database.CreateContext())
        {
            rifiuti = await db.Topics.IgnoreQueryFilters().Where(t => t.OrganizationId == _org && t.Key == "rifiuti").Select(t => t.Id).SingleAsync();
            traffico = await db.Topics.IgnoreQueryFilters().Where(t => t.OrganizationId == _org && t.Key == "traffico").Select(t => t.Id).SingleAsync();
            foreach (var (phone, lastInbound) in new[] { ("+393331110030", (DateTime?)null), ("+393331110031", DateTime.UtcNow.AddHours(-1)) })
            {
                var s = new Subscriber
                {
                    OrganizationId = _org, ChannelId = _channel, Address = phone, Status = SubscriberStatus.Active, SubscribedAt = DateTime.UtcNow, LastInboundAt = lastInbound,
                    ConsentAt = DateTime.UtcNow, ConsentMethod = ConsentMethod.Keyword, ConsentEvidence = "订阅", PolicyVersion = "2024-03",
                };
                s.SetLanguages(["zh", "it"]);
                s.Topics.Add(new SubscriberTopic { OrganizationId = _org, TopicId = rifiuti });
                db.Subscribers.Add(s);
            }

            await db.SaveChangesAsync();
        }

        _meta.Answer = body => (string?)body["type"] == "text"
            ? (400, """{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"AbC"}}""")
            : null;
        var n = await NewsroomAsync(rifiuti, traffico, _channel);
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 30, "Sent");

        var sends = _meta.Requests.Where(r => ((string?)r.Body["to"])?.StartsWith("39333111003", StringComparison.Ordinal) == true).ToList();
        var templates = sends.Where(r => (string?)r.Body["type"] == "template").ToList();
        Assert.Equal(2, templates.Count);
        Assert.All(templates, t =>
        {
            Assert.Equal("piazza_notiziario", (string?)t.Body["template"]!["name"]);
            Assert.Equal("zh_CN", (string?)t.Body["template"]!["language"]!["code"]);
        });
        Assert.Single(sends, r => (string?)r.Body["type"] == "text" && (string?)r.Body["to"] == "393331110031");

        // Meta reports sent, delivered and read (and once more, as its retries do): the deliveries follow.
        var deliveries = await factory.DeliveriesAsync(id);
        Assert.All(deliveries, d => Assert.StartsWith("wamid.fake", d.PlatformMessageId, StringComparison.Ordinal));
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var status in new[] { "sent", "delivered", "read", "read" })
        {
            var statuses = new JsonArray();
            foreach (var d in deliveries)
            {
                statuses.Add(new JsonObject { ["id"] = d.PlatformMessageId, ["status"] = status, ["timestamp"] = at, ["recipient_id"] = "39333111003x" });
            }

            await PostAsync(Notification(new JsonObject { ["messaging_product"] = "whatsapp", ["statuses"] = statuses }));
        }

        await BroadcastFactory.WaitUntilAsync(async () => (await factory.DeliveriesAsync(id)).All(d => d.State == DeliveryState.Read), 20, "the deliveries read");
        var progress = await _admin.GetJsonAsync($"/api/v1/bulletins/{id}/progress");
        Assert.Equal(2, (int)progress["counts"]!["read"]!);
    }

    [Fact]
    public async Task A_bulletin_in_a_language_without_a_template_cannot_be_approved_for_a_live_channel()
    {
        var italianOnly = await _admin.PostJsonAsync("/api/v1/channels", new
        {
            kind = "WhatsApp", name = "WhatsEmpoli (solo italiano)", isSandbox = false,
            settings = new Dictionary<string, string>
            {
                ["baseUrl"] = _meta.BaseUrl, ["phoneNumberId"] = "987", ["businessAccountId"] = "555", ["templates"] = "it: piazza_notiziario/it",
            },
            secrets = new Dictionary<string, string> { ["accessToken"] = "t", ["appSecret"] = "s", ["verifyToken"] = "v" },
        });
        Guid rifiuti;
        await using (var db = factory.Database.CreateContext())
        {
            rifiuti = await db.Topics.IgnoreQueryFilters().Where(t => t.OrganizationId == _org && t.Key == "rifiuti").Select(t => t.Id).SingleAsync();
        }

        var n = await NewsroomAsync(rifiuti, rifiuti, Guid.Parse(italianOnly.Id()));
        var id = await BroadcastFactory.ReadyBulletinAsync(n); // Italian and Chinese
        var problem = await n.Approver.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/approve", new { }, HttpStatusCode.BadRequest);
        Assert.StartsWith("A language of this bulletin has no WhatsApp template", (string?)problem["errors"]!["channelIds." + italianOnly.Id()]![0], StringComparison.Ordinal);
        Assert.Equal("InReview", (string?)(await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}"))["state"]);
    }

    [Fact]
    public async Task A_number_whose_last_three_messages_failed_for_good_is_marked_unreachable()
    {
        await using (var db = factory.Database.CreateContext())
        {
            var s = new Subscriber
            {
                OrganizationId = _org, ChannelId = _channel, Address = "+393331110040", Status = SubscriberStatus.Active, SubscribedAt = DateTime.UtcNow,
                ConsentAt = DateTime.UtcNow, ConsentMethod = ConsentMethod.Keyword, ConsentEvidence = "ATTIVA ISCRIZIONE", PolicyVersion = "2024-03",
            };
            s.SetLanguages(["it"]);
            s.Topics.Add(new SubscriberTopic { OrganizationId = _org, TopicId = await db.Topics.IgnoreQueryFilters().Where(t => t.OrganizationId == _org && t.Key == "traffico").Select(t => t.Id).SingleAsync() });
            db.Subscribers.Add(s);
            await db.SaveChangesAsync();
        }

        // Meta refuses every message to this number: 131026, message undeliverable.
        _meta.Answer = body => (string?)body["to"] == "393331110040"
            ? (400, """{"error":{"message":"(#131026) Message Undeliverable.","type":"OAuthException","code":131026,"error_data":{"messaging_product":"whatsapp","details":"Message Undeliverable."},"fbtrace_id":"X"}}""")
            : null;
        Guid traffico;
        await using (var db = factory.Database.CreateContext())
        {
            traffico = await db.Topics.IgnoreQueryFilters().Where(t => t.OrganizationId == _org && t.Key == "traffico").Select(t => t.Id).SingleAsync();
        }

        var n = await NewsroomAsync(traffico, traffico, _channel);
        for (var i = 1; i <= 3; i++)
        {
            var id = await BroadcastFactory.ReadyBulletinAsync(n);
            await BroadcastFactory.ApproveAsync(n, id);
            var done = await BroadcastFactory.WaitForStateAsync(n, id, 30, "PartlyFailed", "Sent");
            Assert.Equal("PartlyFailed", (string?)done["state"]);
            var subscriber = await WaitForSubscriberAsync("+393331110040", s => i < 3 ? s.Status == SubscriberStatus.Active : s.Status == SubscriberStatus.Left);
            Assert.Equal(i < 3 ? SubscriberStatus.Active : SubscriberStatus.Left, subscriber.Status);
        }

        await using (var db = factory.Database.CreateContext())
        {
            var id = (await db.Subscribers.IgnoreQueryFilters().SingleAsync(s => s.ChannelId == _channel && s.Address == "+393331110040")).Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var audit = await db.AuditEntries.IgnoreQueryFilters().Where(a => a.OrganizationId == _org && a.Action == "subscriber.left" && a.ObjectId == id).SingleAsync();
            Assert.StartsWith("Unreachable: the last 3 messages all failed (last: 131026", audit.Detail, StringComparison.Ordinal);
        }
    }

    /// <summary>This organization's staff as API keys: an author, a Chinese translator and an approver.</summary>
    private async Task<Newsroom> NewsroomAsync(Guid topic, Guid other, Guid channel) => new(
        _org, _admin,
        factory.ClientWithKey(await factory.CreateApiKeyAsync(_org, "bulletins:read bulletins:write topics:read channels:read", "redazione")),
        factory.ClientWithKey(await factory.CreateApiKeyAsync(_org, "bulletins:read bulletins:translate", "mediatrice")),
        factory.ClientWithKey(await factory.CreateApiKeyAsync(_org, "bulletins:read bulletins:approve", "approvazione")),
        topic, other, channel);

    private string Message(string from, string text, out string id)
    {
        id = "wamid.in" + Interlocked.Increment(ref _messageNumber) + "-" + Guid.NewGuid().ToString("N")[..8];
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = new JsonObject { ["display_phone_number"] = "390571000000", ["phone_number_id"] = "1234567890" },
            ["contacts"] = new JsonArray(new JsonObject { ["profile"] = new JsonObject { ["name"] = "Cittadino" }, ["wa_id"] = from[1..] }),
            ["messages"] = new JsonArray(new JsonObject
            {
                ["from"] = from[1..], ["id"] = id, ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["type"] = "text", ["text"] = new JsonObject { ["body"] = text },
            }),
        };
        return Notification(value);
    }

    private static string Notification(JsonObject value) => new JsonObject
    {
        ["object"] = "whatsapp_business_account",
        ["entry"] = new JsonArray(new JsonObject { ["id"] = "555", ["changes"] = new JsonArray(new JsonObject { ["field"] = "messages", ["value"] = value }) }),
    }.ToJsonString();

    private async Task PostAsync(string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/whatsapp/{_channel}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Hub-Signature-256", WhatsAppWebhook.Sign(Encoding.UTF8.GetBytes(body), AppSecret));
        using var response = await factory.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<Subscriber> WaitForSubscriberAsync(string phone, Func<Subscriber, bool> condition)
    {
        Subscriber? found = null;
        await BroadcastFactory.WaitUntilAsync(async () =>
        {
            await using var db = factory.Database.CreateContext();
            found = await db.Subscribers.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(s => s.ChannelId == _channel && s.Address == phone);
            return found is not null && condition(found);
        }, 20, "the subscriber " + phone);
        return found!;
    }

    /// <summary>The <paramref name="n"/>th text Meta received for the number.</summary>
    private async Task<string> ReplyToAsync(string phone, int n)
    {
        string? text = null;
        await BroadcastFactory.WaitUntilAsync(() =>
        {
            var replies = _meta.Requests.Where(r => (string?)r.Body["to"] == phone[1..]).ToList();
            text = replies.Count >= n ? (string?)replies[n - 1].Body["text"]?["body"] : null;
            return Task.FromResult(text is not null);
        }, 20, $"reply {n} to {phone}");
        return text!;
    }
}
