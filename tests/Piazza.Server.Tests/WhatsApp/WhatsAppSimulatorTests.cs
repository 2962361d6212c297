using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.WhatsApp;
using Piazza.Channels.WhatsApp.Simulator;
using Piazza.Server.Hooks;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.WhatsApp;

/// <summary>The broadcast factory listening on a loopback port (the simulator calls the server's own address), every
/// channel on its platform's adapter, and the simulator's status callbacks 100 ms apart.</summary>
public sealed class SandboxFactory : LiveBroadcastFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Sandbox:WhatsApp:StatusDelay"] = "00:00:00.100",
    };
}

/// <summary>
/// Sandbox WhatsApp channels against Piazza's simulator of the Cloud API, over real HTTP: a citizen's message goes
/// from the simulator to the webhook, the keyword subscribes, the confirmation comes back through the real adapter;
/// a bulletin arrives as the approved template and the simulator's signed status callbacks move it to Read. And the
/// simulator refuses what Meta refuses, with Meta's codes.
/// </summary>
public sealed class WhatsAppSimulatorTests(SandboxFactory factory) : IClassFixture<SandboxFactory>
{
    private WhatsAppSimulator Simulator => factory.Services.GetRequiredService<WhatsAppSimulator>();

    [Fact]
    public async Task A_citizen_subscribes_through_the_simulator_and_a_bulletin_arrives_as_a_template_that_status_callbacks_move_to_read()
    {
        var n = await factory.NewsroomAsync(2);
        var channel = await AccountAsync(n.ChannelId);
        Assert.True(channel.IsSandbox);
        Assert.Equal(2, WhatsAppChannel.TemplatesOf(channel.Settings).Count);

        // The citizen writes from the simulated phone: a signed notification to the channel's webhook.
        const string Phone = "+393330000777";
        await CitizenWritesAsync(channel, Phone, "ATTIVA ISCRIZIONE");
        await BroadcastFactory.WaitUntilAsync(async () =>
        {
            await using var db = factory.Database.CreateContext();
            return await db.Subscribers.IgnoreQueryFilters().AnyAsync(s => s.ChannelId == n.ChannelId && s.Address == Phone && s.Status == SubscriberStatus.Active);
        }, 20, "the citizen subscribed");
        await BroadcastFactory.WaitUntilAsync(
            () => Task.FromResult(Conversation(n.ChannelId, Phone).Any(m => !m.FromCitizen && m.Text.StartsWith("Iscrizione attivata", StringComparison.Ordinal))),
            20, "the confirmation in the simulator: " + string.Join(" | ", Conversation(n.ChannelId, Phone).Select(m => m.Text)));
        await BroadcastFactory.WaitUntilAsync(
            () => Task.FromResult(Conversation(n.ChannelId, Phone).Any(m => !m.FromCitizen && m.Status == "read")), 20, "the confirmation read");

        // A bulletin: the two subscribers who never wrote get the template; the citizen, inside the 24 hours, text.
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 30, "Sent");
        var deliveries = await factory.DeliveriesAsync(id);
        Assert.Equal(3, deliveries.Count);
        Assert.All(deliveries, d => Assert.StartsWith("wamid.", d.PlatformMessageId, StringComparison.Ordinal));
        await using (var db = factory.Database.CreateContext())
        {
            var others = await db.Subscribers.IgnoreQueryFilters().Where(s => s.ChannelId == n.ChannelId && s.Address != Phone).ToListAsync();
            Assert.Equal(2, others.Count);
            foreach (var s in others)
            {
                var message = Assert.Single(Conversation(n.ChannelId, s.Address!), m => !m.FromCitizen);
                Assert.Equal("piazza_notiziario/" + WhatsAppSandbox.MetaLanguageCode(s.LanguageList[0]), message.Template);
            }
        }

        Assert.Contains(Conversation(n.ChannelId, Phone), m => !m.FromCitizen && m.Template is null && !m.Text.StartsWith("Iscrizione", StringComparison.Ordinal));

        // The simulator posts "sent", "delivered" and "read", signed, to the webhook: the deliveries follow.
        await BroadcastFactory.WaitUntilAsync(async () => (await factory.DeliveriesAsync(id)).All(d => d.State == DeliveryState.Read), 20, "the deliveries read");
        var progress = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}/progress");
        Assert.Equal(3, (int)progress["counts"]!["read"]!);
    }

    [Fact]
    public async Task The_simulator_refuses_what_Meta_refuses_with_Metas_codes()
    {
        var n = await factory.NewsroomAsync(0);
        var channel = await AccountAsync(n.ChannelId);
        var token = channel.Secret(WhatsAppChannel.AccessToken)!;
        var client = factory.CreateClient();
        const string To = "393330000888";

        // A good template: Meta's answer, with a wamid.
        var ok = await SendAsync(client, channel, token, Template(To, "Chiusura via Roma", "Da lunedì la strada è chiusa."));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal("whatsapp", (string?)ok.Body["messaging_product"]);
        Assert.Equal(To, (string?)ok.Body["contacts"]![0]!["wa_id"]);
        Assert.StartsWith("wamid.", (string?)ok.Body["messages"]![0]!["id"], StringComparison.Ordinal);

        // No token, another token.
        var none = await SendAsync(client, channel, null, Template(To, "a", "b"));
        Assert.Equal((HttpStatusCode.Unauthorized, 190), (none.Status, Code(none.Body)));
        var wrong = await SendAsync(client, channel, "EAAnot-the-token", Template(To, "a", "b"));
        Assert.Equal((HttpStatusCode.Unauthorized, 190), (wrong.Status, Code(wrong.Body)));

        // Missing recipient_type, a "+" in the number, a text without body.
        var noRecipientType = Template(To, "a", "b");
        noRecipientType.Remove("recipient_type");
        var missing = await SendAsync(client, channel, token, noRecipientType);
        Assert.Equal((HttpStatusCode.BadRequest, 100), (missing.Status, Code(missing.Body)));
        Assert.Equal("whatsapp", (string?)missing.Body["error"]!["error_data"]!["messaging_product"]);
        Assert.NotNull((string?)missing.Body["error"]!["fbtrace_id"]);
        var plus = await SendAsync(client, channel, token, Template("+" + To, "a", "b"));
        Assert.Equal((HttpStatusCode.BadRequest, 100), (plus.Status, Code(plus.Body)));

        // A new line, a tab or five spaces in a parameter: 132018; a template that is not approved: 132001; a wrong
        // number of parameters: 132000.
        foreach (var bad in new[] { "riga uno\nriga due", "colonna\tdue", "cinque     spazi" })
        {
            var refused = await SendAsync(client, channel, token, Template(To, "Titolo", bad));
            Assert.Equal((HttpStatusCode.BadRequest, 132018), (refused.Status, Code(refused.Body)));
        }

        var unknown = Template(To, "a", "b");
        unknown["template"]!["name"] = "allerta_meteo";
        Assert.Equal(132001, Code((await SendAsync(client, channel, token, unknown)).Body));
        var oneParameter = Template(To, "a", "b");
        ((JsonArray)oneParameter["template"]!["components"]![0]!["parameters"]!).RemoveAt(1);
        Assert.Equal(132000, Code((await SendAsync(client, channel, token, oneParameter)).Body));

        // Text to someone who has not written in the last 24 hours: 131047. After they write, it goes.
        var text = new JsonObject
        {
            ["messaging_product"] = "whatsapp", ["recipient_type"] = "individual", ["to"] = "393330000889", ["type"] = "text",
            ["text"] = new JsonObject { ["body"] = "Ciao 你好", ["preview_url"] = false },
        };
        var outside = await SendAsync(client, channel, token, text);
        Assert.Equal((HttpStatusCode.BadRequest, 131047), (outside.Status, Code(outside.Body)));
        await CitizenWritesAsync(channel, "+393330000889", "Buongiorno");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, channel, token, text)).Status);
        Assert.Contains(Conversation(n.ChannelId, "+393330000889"), m => !m.FromCitizen && m.Text == "Ciao 你好");

        // An unknown phone number ID.
        using (var request = Request($"/sandbox/whatsapp/v23.0/999999/messages", token, Template(To, "a", "b")))
        {
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    [Fact]
    public async Task Above_the_channels_rate_the_simulator_answers_429_with_130429()
    {
        var n = await factory.NewsroomAsync(0, settings: new Dictionary<string, string> { ["rateLimit"] = "2" });
        await WaitForRateAsync(n.ChannelId, 2);
        var channel = await AccountAsync(n.ChannelId);
        var token = channel.Secret(WhatsAppChannel.AccessToken)!;
        var client = factory.CreateClient();
        var answers = new List<(HttpStatusCode Status, JsonNode Body)>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await SendAsync(client, channel, token, Template("39333000099" + i, "Titolo", "Testo")));
        }

        Assert.Contains(answers, a => a.Status == HttpStatusCode.OK);
        Assert.Contains(answers, a => a.Status == HttpStatusCode.TooManyRequests);
        var limited = answers.First(a => a.Status == HttpStatusCode.TooManyRequests);
        Assert.Equal(130429, Code(limited.Body));
        Assert.Equal("Cloud API message throughput has been reached.", (string?)limited.Body["error"]!["error_data"]!["details"]);

        // The adapter reads it as Meta's throughput limit: the channel pauses, nothing fails.
        var (result, code) = WhatsAppAdapter.Interpret(limited.Status, null, limited.Body.ToJsonString());
        Assert.Equal(130429, code);
        Assert.IsType<SendResult.RateLimited>(result);
    }

    private async Task<ChannelAccount> AccountAsync(Guid channelId) =>
        (await factory.Services.GetRequiredService<HookChannels>().FindAsync(channelId, ChannelKind.WhatsApp, CancellationToken.None))!.Account;

    /// <summary>Waits until the channel's rate is the one just set (channels are cached five seconds).</summary>
    private async Task WaitForRateAsync(Guid channelId, int rate) =>
        await BroadcastFactory.WaitUntilAsync(async () =>
            (await factory.Services.GetRequiredService<HookChannels>().FindAsync(channelId, ChannelKind.WhatsApp, CancellationToken.None))?.Rate == rate, 10, "the channel's rate");

    private IReadOnlyList<SimulatedMessage> Conversation(Guid channelId, string phone) => Simulator.Store.Find(channelId, phone)?.Messages() ?? [];

    /// <summary>What the citizen phone page does: the simulator's notification, signed, to the channel's webhook.</summary>
    private async Task CitizenWritesAsync(ChannelAccount channel, string phone, string text)
    {
        var (_, notification) = Simulator.FromCitizen(channel, phone, text);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/whatsapp/{channel.Id}") { Content = new StringContent(notification, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Hub-Signature-256", WhatsAppWebhook.Sign(Encoding.UTF8.GetBytes(notification), channel.Secret(WhatsAppChannel.AppSecret)!));
        using var response = await factory.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static JsonObject Template(string to, string title, string text) => new()
    {
        ["messaging_product"] = "whatsapp",
        ["recipient_type"] = "individual",
        ["to"] = to,
        ["type"] = "template",
        ["template"] = new JsonObject
        {
            ["name"] = "piazza_notiziario",
            ["language"] = new JsonObject { ["code"] = "it", ["policy"] = "deterministic" },
            ["components"] = new JsonArray(new JsonObject
            {
                ["type"] = "body",
                ["parameters"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = title }, new JsonObject { ["type"] = "text", ["text"] = text }),
            }),
        },
    };

    private static HttpRequestMessage Request(string path, string? token, JsonObject body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> SendAsync(HttpClient client, ChannelAccount channel, string? token, JsonObject body)
    {
        using var request = Request($"/sandbox/whatsapp/v23.0/{channel.Setting(WhatsAppChannel.PhoneNumberId)}/messages", token, body);
        using var response = await client.SendAsync(request);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static int? Code(JsonNode body) => (int?)body["error"]?["code"];
}
