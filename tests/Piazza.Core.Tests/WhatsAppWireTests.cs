using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.WhatsApp;
using Piazza.Inbound;
using Xunit;

namespace Piazza.Core.Tests;

/// <summary>WhatsApp's wire format: the webhook's signature and handshake (channels.md's vector), keywords, the
/// request shapes, and what each of Meta's error codes makes the dispatcher do.</summary>
public sealed class WhatsAppWireTests
{
    private static readonly Dictionary<string, string> NoSettings = [];

    [Fact]
    public void The_signature_matches_the_published_vector_and_nothing_else()
    {
        var body = Encoding.UTF8.GetBytes("test");
        const string Vector = "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914";
        Assert.Equal(Vector, WhatsAppWebhook.Sign(body, "secret"));
        Assert.True(WhatsAppWebhook.SignatureValid(body, Vector, "secret"));
        Assert.True(WhatsAppWebhook.SignatureValid(body, Vector.ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal), "secret"));
        Assert.False(WhatsAppWebhook.SignatureValid(body, null, "secret"));                      // missing
        Assert.False(WhatsAppWebhook.SignatureValid(body, "", "secret"));
        Assert.False(WhatsAppWebhook.SignatureValid(body, Vector[..^1] + "1", "secret"));         // wrong
        Assert.False(WhatsAppWebhook.SignatureValid(body, Vector, "other secret"));               // another app
        Assert.False(WhatsAppWebhook.SignatureValid(Encoding.UTF8.GetBytes("test "), Vector, "secret")); // body altered after signing
        Assert.False(WhatsAppWebhook.SignatureValid(body, "sha1=" + Vector[7..], "secret"));
        Assert.False(WhatsAppWebhook.SignatureValid(body, "sha256=zz" + Vector[9..], "secret"));
        Assert.False(WhatsAppWebhook.SignatureValid(body, Vector, null));
    }

    [Fact]
    public void The_handshake_answers_the_challenge_only_to_the_right_token()
    {
        Assert.Equal("1158201444", WhatsAppWebhook.Verify("subscribe", "mio-token", "1158201444", "mio-token"));
        Assert.Null(WhatsAppWebhook.Verify("subscribe", "altro", "1158201444", "mio-token"));
        Assert.Null(WhatsAppWebhook.Verify("unsubscribe", "mio-token", "1158201444", "mio-token"));
        Assert.Null(WhatsAppWebhook.Verify("subscribe", null, "1158201444", "mio-token"));
        Assert.Null(WhatsAppWebhook.Verify("subscribe", "mio-token", "1158201444", null));
    }

    [Theory]
    [InlineData("ATTIVA ISCRIZIONE", InboundKind.Subscribe, "it")]
    [InlineData("  attiva    iscrizione  ", InboundKind.Subscribe, "it")]
    [InlineData("Attiva Iscrizione!", InboundKind.Subscribe, "it")]
    [InlineData("ＡＴＴＩＶＡ　ＩＳＣＲＩＺＩＯＮＥ", InboundKind.Subscribe, "it")]
    [InlineData("DISATTIVA ISCRIZIONE", InboundKind.Unsubscribe, "it")]
    [InlineData("disattiva\tiscrizione.", InboundKind.Unsubscribe, "it")]
    [InlineData("订阅", InboundKind.Subscribe, "zh")]
    [InlineData(" 订阅 。", InboundKind.Subscribe, "zh")]
    [InlineData("退订", InboundKind.Unsubscribe, "zh")]
    [InlineData("start", InboundKind.Subscribe, "en")]
    [InlineData("Stop", InboundKind.Unsubscribe, "en")]
    [InlineData("temi", InboundKind.Topics, "it")]
    [InlineData("主题", InboundKind.Topics, "zh")]
    [InlineData("TOPICS", InboundKind.Topics, "en")]
    [InlineData("ATTIVA ISCRIZIONE per favore", InboundKind.Other, null)]
    [InlineData("Buongiorno, quando passa la raccolta?", InboundKind.Other, null)]
    [InlineData("", InboundKind.Other, null)]
    public void Every_keyword_in_every_language_is_recognised_in_any_case_and_spacing(string text, InboundKind kind, string? language)
    {
        var match = Keywords.Match(text, NoSettings);
        Assert.Equal(kind, match.Kind);
        Assert.Equal(language, match.Language);
    }

    [Fact]
    public void Numbers_choose_topics_and_configured_keywords_replace_the_defaults()
    {
        Assert.Equal([1, 3], Keywords.Match("1 3", NoSettings).Numbers);
        Assert.Equal([2, 1], Keywords.Match("2,1, 2", NoSettings).Numbers);
        Assert.Equal([1, 2], Keywords.Match("1、2", NoSettings).Numbers);
        Assert.Equal(InboundKind.TopicsChoice, Keywords.Match("１ ２", NoSettings).Kind);
        Assert.Equal(InboundKind.Other, Keywords.Match("112", NoSettings).Kind);

        var settings = new Dictionary<string, string> { [InboundSettings.SubscribeKeywords] = "it: ISCRIVIMI | NOTIZIE\nzh: 订阅" };
        Assert.Equal(InboundKind.Subscribe, Keywords.Match("notizie", settings).Kind);
        Assert.Equal(InboundKind.Subscribe, Keywords.Match("iscrivimi", settings).Kind);
        Assert.Equal(InboundKind.Other, Keywords.Match("ATTIVA ISCRIZIONE", settings).Kind);
        Assert.Equal(InboundKind.Unsubscribe, Keywords.Match("DISATTIVA ISCRIZIONE", settings).Kind); // still the default
        Assert.Equal("ISCRIVIMI", Keywords.Display(settings, InboundSettings.SubscribeKeywords, "it", []));
        Assert.Equal("订阅", Keywords.Display(settings, InboundSettings.SubscribeKeywords, "zh", []));
        Assert.Equal("ISCRIVIMI", Keywords.Display(settings, InboundSettings.SubscribeKeywords, "fr", ["it"]));
    }

    [Fact]
    public void A_template_carries_the_bulletin_in_two_one_line_parameters_as_Meta_requires()
    {
        var body = WhatsAppAdapter.TemplateBody("+393331234567", "piazza_notiziario", "it", new BulletinText("it", "Allerta   meteo", "**Domani** chiuse le scuole.\n\n- Via Roma\n- Piazza\tDuomo"));
        Assert.Equal("393331234567", (string?)body["to"]);
        Assert.Equal("individual", (string?)body["recipient_type"]);
        Assert.Equal("deterministic", (string?)body["template"]!["language"]!["policy"]);
        var parameters = body["template"]!["components"]![0]!["parameters"]!.AsArray();
        Assert.Equal("Allerta meteo", (string?)parameters[0]!["text"]);
        var text = (string)parameters[1]!["text"]!;
        Assert.DoesNotContain('\n', text);
        Assert.DoesNotContain('\t', text);
        Assert.DoesNotContain("  ", text, StringComparison.Ordinal);
        Assert.Contains("Domani chiuse le scuole.", text, StringComparison.Ordinal);
        Assert.True(WhatsAppAdapter.Parameter(new string('x', 5000), WhatsAppAdapter.MaxParameterLength).Length <= WhatsAppAdapter.MaxParameterLength);
    }

    [Theory]
    [InlineData(130429, typeof(SendResult.RateLimited))]
    [InlineData(4, typeof(SendResult.RateLimited))]
    [InlineData(80007, typeof(SendResult.RateLimited))]
    [InlineData(131056, typeof(SendResult.Deferred))]
    [InlineData(131047, typeof(SendResult.Permanent))]
    [InlineData(131026, typeof(SendResult.Permanent))]
    [InlineData(131049, typeof(SendResult.Permanent))]
    [InlineData(131000, typeof(SendResult.Transient))]
    [InlineData(190, typeof(SendResult.Transient))]
    [InlineData(100, typeof(SendResult.Permanent))]
    public void Each_error_code_decides_what_happens_next(int code, Type expected)
    {
        var status = code is 130429 or 4 or 80007 ? HttpStatusCode.TooManyRequests : HttpStatusCode.BadRequest;
        var body = $$$"""{"error":{"message":"(#{{{code}}}) something","type":"OAuthException","code":{{{code}}},"error_data":{"messaging_product":"whatsapp","details":"detail"},"fbtrace_id":"A"}}""";
        var (result, parsed) = WhatsAppAdapter.Interpret(status, null, body);
        Assert.IsType(expected, result);
        Assert.Equal(code, parsed);
    }

    [Fact]
    public void Retry_after_sets_the_pause_and_success_gives_the_message_id()
    {
        var (limited, _) = WhatsAppAdapter.Interpret(HttpStatusCode.TooManyRequests, new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), """{"error":{"code":130429,"message":"Rate limit hit"}}""");
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.IsType<SendResult.RateLimited>(limited).RetryAfter);
        var (deferred, _) = WhatsAppAdapter.Interpret(HttpStatusCode.BadRequest, null, """{"error":{"code":131056,"message":"pair rate limit"}}""");
        Assert.Equal(TimeSpan.FromSeconds(6), Assert.IsType<SendResult.Deferred>(deferred).RetryAfter);
        var (sent, _) = WhatsAppAdapter.Interpret(HttpStatusCode.OK, null, """{"messaging_product":"whatsapp","contacts":[{"input":"393331234567","wa_id":"393331234567"}],"messages":[{"id":"wamid.HBgM"}]}""");
        Assert.Equal("wamid.HBgM", Assert.IsType<SendResult.Sent>(sent).PlatformMessageId);
        Assert.IsType<SendResult.Transient>(WhatsAppAdapter.Interpret(HttpStatusCode.BadGateway, null, "<html>Bad gateway</html>").Result);
    }

    [Fact]
    public void A_notification_gives_messages_and_statuses()
    {
        var channel = Guid.NewGuid();
        const string Json = """
            {"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{
              "messaging_product":"whatsapp","metadata":{"display_phone_number":"390571000000","phone_number_id":"1234"},
              "contacts":[{"profile":{"name":"Lin"},"wa_id":"393331112222"}],
              "messages":[{"from":"393331112222","id":"wamid.in1","timestamp":"1764000000","type":"text","text":{"body":"订阅"}},
                          {"from":"393331112222","id":"wamid.in2","timestamp":"1764000001","type":"image","image":{"id":"x"}}],
              "statuses":[{"id":"wamid.out1","status":"delivered","timestamp":"1764000002","recipient_id":"393331112222"},
                          {"id":"wamid.out2","status":"failed","timestamp":"1764000003","recipient_id":"393331112222","errors":[{"code":131049,"title":"This message was not delivered to maintain healthy ecosystem engagement."}]}]
            }}]}]}
            """;
        var n = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(Json), channel);
        Assert.Equal(2, n.Messages.Count);
        Assert.Equal(new WhatsAppInbound("wamid.in1", "+393331112222", "Lin", "订阅", DateTimeOffset.FromUnixTimeSeconds(1764000000).UtcDateTime), n.Messages[0]);
        Assert.Equal("[image]", n.Messages[1].Text);
        Assert.Equal(DeliveryState.Delivered, n.Statuses[0].State);
        Assert.Equal(DeliveryState.Failed, n.Statuses[1].State);
        Assert.StartsWith("131049", n.Statuses[1].Error, StringComparison.Ordinal);
        Assert.Throws<System.Text.Json.JsonException>(() => WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes("""{"object":"page"}"""), channel));
    }
}
