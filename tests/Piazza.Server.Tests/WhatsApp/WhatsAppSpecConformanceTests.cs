using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Piazza.Channels;
using Piazza.Channels.WhatsApp;
using Piazza.Posts;
using Xunit;

namespace Piazza.Server.Tests.WhatsApp;

/// <summary>
/// Every request the WhatsApp adapter sends — a bulletin as text inside the 24-hour window, a bulletin as the approved
/// template with the title and the text as body parameters, a reply — goes through the real adapter and the HttpClient
/// Piazza registers for it to Prism serving Meta's official OpenAPI specification, which refuses (422, 401) any request
/// whose URL, headers or JSON break it. And requests that break it on purpose are refused, so these tests can fail.
/// </summary>
public sealed class WhatsAppSpecConformanceTests : IClassFixture<PrismFixture>, IDisposable
{
    private const string PhoneNumberId = "1234567890";
    private const string Token = "EAAG-token_di.prova";
    private readonly PrismFixture _prism;
    private readonly ServiceProvider _services;
    private readonly ConcurrentQueue<Exchange> _exchanges = new();
    private readonly WhatsAppAdapter _adapter;
    private readonly ChannelAccount _channel;

    public WhatsAppSpecConformanceTests(PrismFixture prism)
    {
        _prism = prism;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPiazzaChannels(new ConfigurationBuilder().Build()); // the adapter's named HttpClient, as the server registers it
        services.AddHttpClient(WhatsAppAdapter.HttpClientName).AddHttpMessageHandler(() => new RecordingHandler(_exchanges));
        _services = services.BuildServiceProvider();
        _adapter = new WhatsAppAdapter(_services.GetRequiredService<IHttpClientFactory>(), TimeProvider.System, NullLogger<WhatsAppAdapter>.Instance);
        _channel = new ChannelAccount(
            Guid.NewGuid(), Guid.NewGuid(), ChannelKind.WhatsApp, "WhatsEmpoli", false,
            new Dictionary<string, string>
            {
                [WhatsAppChannel.BaseUrl] = prism.BaseUrl, [WhatsAppChannel.ApiVersion] = "v23.0", [WhatsAppChannel.PhoneNumberId] = PhoneNumberId,
                [WhatsAppChannel.Templates] = "it: piazza_notiziario/it\nzh: piazza_notiziario/zh_CN",
            },
            new Dictionary<string, string> { [WhatsAppChannel.AccessToken] = Token });
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task A_bulletin_as_text_inside_the_24_hour_window_is_accepted_by_the_specification()
    {
        var result = await _adapter.SendAsync(Message(
            new BulletinText("it", "Raccolta del vetro", "Domani **non** passa la raccolta del vetro.\n\n- Via Roma\n- Via Verdi\n\n[Calendario](https://www.comune.empoli.fi.it/rifiuti)"),
            lastInboundAt: DateTime.UtcNow.AddHours(-2)), CancellationToken.None);

        var exchange = AssertAccepted(result);
        Assert.Equal("text", (string?)exchange.Body["type"]);
        Assert.Contains("Raccolta del vetro", (string?)exchange.Body["text"]?["body"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("it", "it", "Allerta meteo arancione", "Chiusi i **parchi** e i cimiteri.\n\nNon sostare\tsotto gli alberi.")]
    [InlineData("zh", "zh_CN", "橙色气象预警", "公园和墓地**关闭**。\n\n请勿在树下停留。")]
    public async Task A_bulletin_as_the_template_with_the_title_and_the_text_as_body_parameters_is_accepted_by_the_specification(string language, string code, string title, string markdown)
    {
        var result = await _adapter.SendAsync(Message(new BulletinText(language, title, markdown), lastInboundAt: null), CancellationToken.None);

        var exchange = AssertAccepted(result);
        Assert.Equal("template", (string?)exchange.Body["type"]);
        Assert.Equal("piazza_notiziario", (string?)exchange.Body["template"]?["name"]);
        Assert.Equal(code, (string?)exchange.Body["template"]?["language"]?["code"]);
        var parameters = exchange.Body["template"]?["components"]?[0]?["parameters"]?.AsArray();
        Assert.NotNull(parameters);
        Assert.Equal(2, parameters.Count);
        Assert.Equal(title, (string?)parameters[0]?["text"]);
    }

    [Fact]
    public async Task A_reply_to_a_citizen_is_accepted_by_the_specification()
    {
        var result = await _adapter.ReplyAsync(_channel, "+393331110001", "Iscrizione attivata. Scrivi TEMI per scegliere gli argomenti, DISATTIVA ISCRIZIONE per uscire.", CancellationToken.None);

        var exchange = AssertAccepted(result);
        Assert.Equal("text", (string?)exchange.Body["type"]);
        Assert.Equal("393331110001", (string?)exchange.Body["to"]);
    }

    [Fact]
    public async Task Requests_that_break_the_specification_are_refused_by_it()
    {
        var client = _services.GetRequiredService<IHttpClientFactory>().CreateClient(WhatsAppAdapter.HttpClientName);
        var text = WhatsAppAdapter.TextBody("+393331110001", "Ciao");
        var template = WhatsAppAdapter.TemplateBody("+393331110001", "piazza_notiziario", "it", new BulletinText("it", "Titolo", "Testo"));

        // The valid bodies, posted by hand as the adapter posts them, pass: what follows fails for its one defect.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, text)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, template)).Status);

        var withoutRecipientType = text.DeepClone().AsObject();
        withoutRecipientType.Remove("recipient_type");
        AssertRefused(await PostAsync(client, withoutRecipientType), HttpStatusCode.UnprocessableEntity, "recipient_type");

        var withoutPolicy = template.DeepClone().AsObject();
        withoutPolicy["template"]!["language"]!.AsObject().Remove("policy");
        AssertRefused(await PostAsync(client, withoutPolicy), HttpStatusCode.UnprocessableEntity, "policy");

        var numberAsBody = text.DeepClone().AsObject();
        numberAsBody["text"]!["body"] = 42;
        AssertRefused(await PostAsync(client, numberAsBody), HttpStatusCode.UnprocessableEntity, "text.body must be string");

        // The adapter once sent "application/json; charset=utf-8", which the specification's Content-Type does not list.
        AssertRefused(await PostAsync(client, text, contentType: "application/json; charset=utf-8"), HttpStatusCode.UnprocessableEntity, "content-type");

        AssertRefused(await PostAsync(client, text, token: null), HttpStatusCode.Unauthorized, "security");
    }

    private OutboundMessage Message(BulletinText text, DateTime? lastInboundAt) => new(
        1, "key-1", _channel, "+393331110001", 1, [text], Guid.NewGuid(), "meteo", PostPriority.Normal, 1, lastInboundAt);

    /// <summary>The adapter's one request reached Prism at Meta's path, with the Bearer token, and Prism accepted it
    /// (2xx with the specification's wamid, which the adapter read as sent).</summary>
    private Exchange AssertAccepted(SendResult result)
    {
        var exchange = Assert.Single(_exchanges);
        Assert.True(
            (int)exchange.Status is >= 200 and < 300,
            $"Prism refused the adapter's request ({(int)exchange.Status}):\n{exchange.Response}\nRequest: {exchange.ContentType} {exchange.Body.ToJsonString()}");
        Assert.Equal($"/v23.0/{PhoneNumberId}/messages", exchange.Path);
        Assert.Equal("Bearer " + Token, exchange.Authorization);
        Assert.Equal("whatsapp", (string?)exchange.Body["messaging_product"]);
        Assert.Equal("individual", (string?)exchange.Body["recipient_type"]);
        var sent = Assert.IsType<SendResult.Sent>(result);
        Assert.StartsWith("wamid.", sent.PlatformMessageId, StringComparison.Ordinal);
        return exchange;
    }

    private static void AssertRefused(Exchange exchange, HttpStatusCode status, string violation)
    {
        Assert.True(exchange.Status == status, $"Prism answered {(int)exchange.Status} instead of {(int)status} to {exchange.Body.ToJsonString()}:\n{exchange.Response}");
        Assert.Contains(violation, exchange.Response, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<Exchange> PostAsync(HttpClient client, JsonObject body, string contentType = "application/json", string? token = Token)
    {
        _exchanges.Clear();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_prism.BaseUrl}/v23.0/{PhoneNumberId}/messages")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await client.SendAsync(request);
        return Assert.Single(_exchanges);
    }

    /// <summary>One request and Prism's answer.</summary>
    private sealed record Exchange(string Path, string? Authorization, string? ContentType, JsonNode Body, HttpStatusCode Status, string Response);

    /// <summary>Records each request the named client sends and the answer, without changing either.</summary>
    private sealed class RecordingHandler(ConcurrentQueue<Exchange> exchanges) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            exchanges.Enqueue(new Exchange(
                request.RequestUri!.AbsolutePath, request.Headers.Authorization?.ToString(), request.Content?.Headers.ContentType?.ToString(),
                JsonNode.Parse(body) ?? new JsonObject(), response.StatusCode, answer));
            return response;
        }
    }
}
