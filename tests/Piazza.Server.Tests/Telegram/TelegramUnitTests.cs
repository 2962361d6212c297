using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Piazza.Channels;
using Piazza.Channels.Formatting;
using Piazza.Channels.Telegram;
using Piazza.Channels.Telegram.Simulator;
using Piazza.Inbound;
using Piazza.Posts;
using Xunit;

namespace Piazza.Server.Tests.Telegram;

/// <summary>The Telegram pieces that need no server: HTML escaping of what the staff write, deep links, bot commands,
/// the adapter's requests and its reading of Telegram's answers, and the simulator's checks.</summary>
public sealed class TelegramUnitTests
{
    private const string Token = "123456789:AAsandboxTokenForTests_0123456789ab";

    [Theory]
    [InlineData("<script>alert('x')</script> & co", "Tom & Jerry <b>bold</b> > 3 &amp; &lt;", "<script>alert('x')</script> & co")]
    [InlineData("A</b><i>", "x </code> y", "A</b><i>")]
    [InlineData("&lt;", "&gt; &#60; &", "&lt;")]
    public void Hostile_titles_and_texts_are_escaped_and_shown_exactly_as_written(string title, string body, string expectedTitle)
    {
        var rendered = MessageFormatter.Render(MessageFormat.TelegramHtml, title, body).Text;
        var (visible, error) = TelegramSimulator.ParseHtml(rendered);
        Assert.Null(error);
        Assert.StartsWith(expectedTitle + "\n\n", visible, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("</b><i>", rendered[3..], StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_body_text_keeps_every_character()
    {
        // Markdown's own entities ("&amp;" in the source) mean their character, as in the composer's preview.
        var rendered = MessageFormatter.Render(MessageFormat.TelegramHtml, "T", "1 < 2 && 3 > 2 </i> <a href=\"x\">no</a> &amp; &#60;b>").Text;
        var (visible, error) = TelegramSimulator.ParseHtml(rendered);
        Assert.Null(error);
        Assert.Equal("T\n\n1 < 2 && 3 > 2 </i> <a href=\"x\">no</a> & <b>", visible);
    }

    [Fact]
    public void Hostile_links_are_escaped_in_the_url_and_in_the_text()
    {
        var rendered = MessageFormatter.Render(MessageFormat.TelegramHtml, "Link", "[a <b> & \"c\"](https://example.org/?a=1&b=<2>\"x) and [x](javascript:alert(1))").Text;
        var (visible, error) = TelegramSimulator.ParseHtml(rendered);
        Assert.Null(error);
        Assert.Contains("href=\"https://example.org/?a=1&amp;b=", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"javascript", rendered, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("a <b> & \"c\"", visible, StringComparison.Ordinal);

        // Every attribute is closed where the formatter closed it: no quote of the URL ends it early.
        foreach (var href in rendered.Split("href=\"").Skip(1))
        {
            Assert.DoesNotContain("<", href[..href.IndexOf('"', StringComparison.Ordinal)], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_simulator_refuses_what_Telegram_cannot_parse()
    {
        Assert.NotNull(TelegramSimulator.ParseHtml("a < b").Error);
        Assert.NotNull(TelegramSimulator.ParseHtml("<b>open").Error);
        Assert.NotNull(TelegramSimulator.ParseHtml("<b><i>x</b></i>").Error);
        Assert.NotNull(TelegramSimulator.ParseHtml("<script>x</script>").Error);
        Assert.NotNull(TelegramSimulator.ParseHtml("fish & chips").Error);
        Assert.Equal("<b> & \"", TelegramSimulator.ParseHtml("&lt;b&gt; &amp; &quot;").Visible);
        Assert.Equal("bold link", TelegramSimulator.ParseHtml("<b>bold</b> <a href=\"https://x.org/?a=1&amp;b=2\">link</a>").Visible);
    }

    [Theory]
    [InlineData("acqua", "flyer1", "t-acqua_c-flyer1")]
    [InlineData("allerta-meteo", null, "t-allerta-meteo")]
    [InlineData(null, "via_roma-2026", "c-via_roma-2026")]
    [InlineData("acqua", "scene_with_underscores", "t-acqua_c-scene_with_underscores")]
    public void Deep_links_round_trip(string? topic, string? campaign, string payload)
    {
        Assert.Equal(payload, StartPayload.Format(topic, campaign));
        var link = TelegramDeepLink.Build("ComunePratoBot", topic, campaign);
        Assert.Equal("https://t.me/ComunePratoBot?start=" + payload, link);
        var parsed = TelegramDeepLink.Parse(link);
        Assert.NotNull(parsed);
        Assert.Equal(("ComunePratoBot", topic, campaign), parsed.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("t-Acqua")]
    [InlineData("x-acqua")]
    [InlineData("t-acqua_x-1")]
    [InlineData("t-acqua c-1")]
    public void Payloads_not_in_Piazza_format_are_not_parsed(string payload) => Assert.Null(StartPayload.Parse(payload));

    [Fact]
    public void Payloads_longer_than_a_deep_link_allows_are_refused()
    {
        Assert.Null(StartPayload.Format("acqua", new string('x', 60)));
        Assert.Null(StartPayload.Parse("c-" + new string('x', 63)));
    }

    [Theory]
    [InlineData("/start", InboundKind.Subscribe, null)]
    [InlineData("/start@ComunePratoBot", InboundKind.Subscribe, null)]
    [InlineData("/start t-acqua_c-flyer1", InboundKind.Subscribe, "t-acqua_c-flyer1")]
    [InlineData("/start@ComunePratoBot t-acqua", InboundKind.Subscribe, "t-acqua")]
    [InlineData("/STOP", InboundKind.Unsubscribe, null)]
    [InlineData("/stop@ComunePratoBot", InboundKind.Unsubscribe, null)]
    [InlineData("/topics", InboundKind.Topics, null)]
    [InlineData("/stop now", InboundKind.Other, null)]
    [InlineData("ATTIVA ISCRIZIONE", InboundKind.Subscribe, null)]
    [InlineData("1 3", InboundKind.TopicsChoice, null)]
    public void Bot_commands_are_the_Telegram_channel_keywords(string text, InboundKind kind, string? payload)
    {
        var settings = TelegramChannel.Definition.Settings.Where(f => f.Default is not null).ToDictionary(f => f.Name, f => f.Default!);
        var match = Keywords.Match(text, settings);
        Assert.Equal(kind, match.Kind);
        Assert.Equal(payload, match.Payload);
    }

    [Fact]
    public async Task A_bulletin_to_a_subscriber_is_one_sendMessage_in_HTML_without_preview()
    {
        var http = new Capture(HttpStatusCode.OK, """{"ok":true,"result":{"message_id":77,"chat":{"id":4242,"type":"private"},"date":1,"text":"x"}}""");
        var adapter = new TelegramAdapter(http, NullLogger<TelegramAdapter>.Instance);
        var result = await adapter.SendAsync(Message(Account(), "4242", [new BulletinText("it", "Acqua & gas <oggi>", "Via **Roma**")]), CancellationToken.None);

        Assert.Equal(new SendResult.Sent("4242:77"), result);
        var (uri, body) = Assert.Single(http.Requests);
        Assert.Equal($"https://api.telegram.org/bot{Token}/sendMessage", uri);
        Assert.Equal(4242L, (long)body["chat_id"]!);
        Assert.Equal("HTML", (string?)body["parse_mode"]);
        Assert.True((bool)body["link_preview_options"]!["is_disabled"]!);
        Assert.Equal("<b>Acqua &amp; gas &lt;oggi&gt;</b>\n\nVia <b>Roma</b>", (string?)body["text"]);
    }

    [Fact]
    public async Task A_channel_with_a_public_channel_posts_once_to_it_in_every_language()
    {
        var http = new Capture(HttpStatusCode.OK, """{"ok":true,"result":{"message_id":5,"chat":{"id":-100123,"type":"channel"},"date":1,"text":"x"}}""");
        var adapter = new TelegramAdapter(http, NullLogger<TelegramAdapter>.Instance);
        var account = Account(new() { [TelegramChannel.ChannelUsername] = "ComunePratoNews" });
        var result = await adapter.SendAsync(Message(account, null, [new BulletinText("zh", "停水", "明天"), new BulletinText("it", "Acqua", "Domani")]), CancellationToken.None);

        Assert.IsType<SendResult.Sent>(result);
        var (_, body) = Assert.Single(http.Requests);
        Assert.Equal("@ComunePratoNews", (string?)body["chat_id"]);
        var text = (string)body["text"]!;
        Assert.Contains("<b>停水</b>", text, StringComparison.Ordinal);
        Assert.Contains("<b>Acqua</b>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_is_plain_text_without_parse_mode()
    {
        var http = new Capture(HttpStatusCode.OK, """{"ok":true,"result":{"message_id":9,"chat":{"id":1,"type":"private"},"date":1,"text":"x"}}""");
        var adapter = new TelegramAdapter(http, NullLogger<TelegramAdapter>.Instance);
        var result = await adapter.ReplyAsync(Account(), "1", "Scrivi <TEMI> & /stop", CancellationToken.None);

        Assert.IsType<SendResult.Sent>(result);
        var (_, body) = Assert.Single(http.Requests);
        Assert.Null(body["parse_mode"]);
        Assert.Equal("Scrivi <TEMI> & /stop", (string?)body["text"]);
        Assert.Equal(1L, (long)body["chat_id"]!);
    }

    [Fact]
    public void Telegram_answers_become_what_the_dispatcher_does_next()
    {
        Assert.Equal(
            new SendResult.RateLimited(TimeSpan.FromSeconds(17), "429 Too Many Requests: retry after 17"),
            TelegramAdapter.Interpret((HttpStatusCode)429, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 17","parameters":{"retry_after":17}}"""));
        Assert.Equal(
            new SendResult.Permanent("403 Forbidden: bot was blocked by the user", RecipientGone: true),
            TelegramAdapter.Interpret(HttpStatusCode.Forbidden, """{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"""));
        Assert.Equal(
            new SendResult.Permanent("403 Forbidden: user is deactivated", RecipientGone: true),
            TelegramAdapter.Interpret(HttpStatusCode.Forbidden, """{"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"}"""));
        Assert.Equal(
            new SendResult.Permanent("400 Bad Request: chat not found"),
            TelegramAdapter.Interpret(HttpStatusCode.BadRequest, """{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"""));
        Assert.IsType<SendResult.Transient>(TelegramAdapter.Interpret(HttpStatusCode.Unauthorized, """{"ok":false,"error_code":401,"description":"Unauthorized"}"""));
        Assert.IsType<SendResult.Transient>(TelegramAdapter.Interpret(HttpStatusCode.BadGateway, "<html>bad gateway</html>"));
        Assert.IsType<SendResult.Transient>(TelegramAdapter.Interpret(HttpStatusCode.InternalServerError, """{"ok":false,"error_code":500,"description":"Internal Server Error"}"""));
    }

    [Fact]
    public async Task A_network_failure_is_transient()
    {
        var adapter = new TelegramAdapter(new Capture(new HttpRequestException("refused")), NullLogger<TelegramAdapter>.Instance);
        Assert.IsType<SendResult.Transient>(await adapter.SendAsync(Message(Account(), "1", [new BulletinText("it", "T", "x")]), CancellationToken.None));
    }

    [Fact]
    public void The_simulator_limits_each_chat_and_answers_retry_after()
    {
        var simulator = new TelegramSimulator(TimeProvider.System, Options.Create(new TelegramSimulatorOptions { PerChatPerSecond = 0.1, PerChatBurst = 1 }));
        var account = Account();
        simulator.CitizenWrites(account, 10, "Anna", "it", "/start");
        var args = new JsonObject { ["chat_id"] = 10, ["text"] = "<b>uno</b>", ["parse_mode"] = "HTML" };
        Assert.Equal(200, simulator.Call(account, "sendMessage", (JsonObject)args.DeepClone()).Status);
        var limited = simulator.Call(account, "sendMessage", (JsonObject)args.DeepClone());
        Assert.Equal(429, limited.Status);
        var retryAfter = (int)limited.Body["parameters"]!["retry_after"]!;
        Assert.InRange(retryAfter, 1, 10);

        var result = TelegramAdapter.Interpret((HttpStatusCode)limited.Status, limited.Body.ToJsonString());
        Assert.Equal(TimeSpan.FromSeconds(retryAfter), Assert.IsType<SendResult.RateLimited>(result).RetryAfter);

        Assert.Equal("Bad Request: chat not found", (string?)simulator.Call(account, "sendMessage", new JsonObject { ["chat_id"] = 11, ["text"] = "x" }).Body["description"]);
        Assert.StartsWith("Bad Request: can't parse entities", (string?)simulator.Call(account, "sendMessage", new JsonObject { ["chat_id"] = 10, ["text"] = "a < b", ["parse_mode"] = "HTML" }).Body["description"], StringComparison.Ordinal);
        Assert.Equal(401, simulator.Call(null, "getMe", null).Status);
        simulator.Block(account, 10);
        Assert.Equal(403, simulator.Call(account, "sendMessage", (JsonObject)args.DeepClone()).Status);
    }

    [Fact]
    public void The_simulator_measures_the_text_after_entity_parsing()
    {
        var simulator = new TelegramSimulator(TimeProvider.System, Options.Create(new TelegramSimulatorOptions { PerChatBurst = 10 }));
        var account = Account();
        simulator.CitizenWrites(account, 20, "Bo", null, "ciao");
        var fits = "<b>" + string.Concat(Enumerable.Repeat("&amp;", 4096)) + "</b>";
        Assert.Equal(200, simulator.Call(account, "sendMessage", new JsonObject { ["chat_id"] = 20, ["text"] = fits, ["parse_mode"] = "HTML" }).Status);
        Assert.Equal("Bad Request: message is too long", (string?)simulator.Call(account, "sendMessage", new JsonObject { ["chat_id"] = 20, ["text"] = new string('x', 4097) }).Body["description"]);
        Assert.Equal("Bad Request: message text is empty", (string?)simulator.Call(account, "sendMessage", new JsonObject { ["chat_id"] = 20, ["text"] = "<b> </b>", ["parse_mode"] = "HTML" }).Body["description"]);
    }

    [Fact]
    public void The_webhook_secret_is_compared_exactly()
    {
        Assert.True(TelegramWebhook.SecretValid("s3cret_-A", "s3cret_-A"));
        Assert.False(TelegramWebhook.SecretValid("s3cret_-a", "s3cret_-A"));
        Assert.False(TelegramWebhook.SecretValid(null, "s3cret_-A"));
        Assert.False(TelegramWebhook.SecretValid("", ""));
        Assert.False(TelegramWebhook.SecretValid("x", null));
    }

    private static ChannelAccount Account(Dictionary<string, string>? settings = null) => new(
        Guid.NewGuid(), Guid.NewGuid(), ChannelKind.Telegram, "Comune", false,
        new Dictionary<string, string>(settings ?? [], StringComparer.Ordinal) { [TelegramChannel.BotUsername] = "ComuneBot" },
        new Dictionary<string, string> { [TelegramChannel.BotToken] = Token, [TelegramChannel.WebhookSecret] = "secret" });

    private static OutboundMessage Message(ChannelAccount account, string? address, IReadOnlyList<BulletinText> texts) =>
        new(1, "k", account, address, address is null ? 0 : 1, texts, Guid.NewGuid(), "acqua", PostPriority.Normal, 1);

    /// <summary>An HttpClient factory whose handler records each request and gives one answer (or throws).</summary>
    private sealed class Capture : HttpMessageHandler, IHttpClientFactory
    {
        private readonly HttpStatusCode _status;
        private readonly string _body = string.Empty;
        private readonly Exception? _failure;

        public Capture(HttpStatusCode status, string body)
        {
            _status = status;
            _body = body;
        }

        public Capture(Exception failure) => _failure = failure;

        public List<(string Uri, JsonNode Body)> Requests { get; } = [];

        public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (_failure is not null)
            {
                throw _failure;
            }

            Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
            Requests.Add((request.RequestUri!.ToString(), JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken))!));
            return new HttpResponseMessage(_status) { Content = new StringContent(_body, Encoding.UTF8, "application/json") };
        }
    }
}
