using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Piazza.Broadcast;
using Piazza.Channels.Telegram;
using Piazza.Channels.Telegram.Simulator;
using Piazza.Server.Sandbox;
using Piazza.Server.Tests.Broadcast;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.Telegram;

/// <summary>The broadcast factory listening on a loopback port, so that sandbox Telegram channels reach the simulator
/// through the real <see cref="TelegramAdapter"/> over HTTP and the simulator's updates reach the server's own webhook;
/// every channel on its platform's adapter.</summary>
public sealed class TelegramLiveFactory : LiveBroadcastFactory
{
    public TelegramSimulator Simulator => Service<TelegramSimulator>();

    public TelegramSandboxBots Bots => Service<TelegramSandboxBots>();

    /// <summary>Waits until the chat's person is an active subscriber of the channel.</summary>
    public async Task<Subscriber> SubscriberAsync(Guid channelId, long chatId, SubscriberStatus status = SubscriberStatus.Active)
    {
        Subscriber? subscriber = null;
        var address = chatId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await WaitUntilAsync(async () =>
        {
            await using var db = Database.CreateContext();
            subscriber = await db.Subscribers.IgnoreQueryFilters().AsNoTracking().Include(s => s.Topics)
                .FirstOrDefaultAsync(s => s.ChannelId == channelId && s.Address == address && s.Status == status);
            return subscriber is not null;
        }, 20, $"chat {chatId} {status}");
        return subscriber!;
    }
}

/// <summary>
/// Telegram over HTTP, with the sandbox bot: the webhook's secret token, a citizen's /start from a flyer's deep link
/// (subscribed to that topic, the flyer as source, answered in their app's language), a bulletin reaching them through
/// the simulator, /stop, and a person who blocked the bot unsubscribed by the 403 of the next send.
/// </summary>
public sealed class TelegramLiveTests(TelegramLiveFactory factory) : IClassFixture<TelegramLiveFactory>
{
    [Fact]
    public async Task The_webhook_takes_only_updates_with_the_channels_secret_token_and_stores_each_once()
    {
        var n = await factory.NewsroomAsync(0, "Telegram");
        var account = await factory.AccountAsync(n.ChannelId);
        var secret = account.Secret(TelegramChannel.WebhookSecret);
        Assert.NotNull(secret);
        Assert.NotNull(account.Secret(TelegramChannel.BotToken));
        const string update = """{"update_id":700001,"message":{"message_id":1,"from":{"id":31,"is_bot":false,"first_name":"Ada","language_code":"it"},"chat":{"id":31,"type":"private"},"date":1764000000,"text":"Buongiorno"}}""";

        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(n.ChannelId, update, null));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(n.ChannelId, update, secret + "x"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(n.ChannelId, "not even JSON", "wrong"));
        Assert.Equal(0, await StoredAsync(n.ChannelId));

        Assert.Equal(HttpStatusCode.OK, await PostAsync(n.ChannelId, update, secret));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(n.ChannelId, update, secret)); // Telegram's retry
        Assert.Equal(1, await StoredAsync(n.ChannelId));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(n.ChannelId, "not even JSON", secret));
    }

    [Fact]
    public async Task A_citizen_starting_the_bot_from_a_flyer_link_gets_that_topics_bulletins_through_the_simulator()
    {
        var n = await factory.NewsroomAsync(0, "Telegram");
        var account = await factory.AccountAsync(n.ChannelId);
        var link = TelegramDeepLink.Build(account.Setting(TelegramChannel.BotUsername)!, "acqua", "flyer1");
        Assert.NotNull(link);
        var payload = link[(link.IndexOf("start=", StringComparison.Ordinal) + 6)..];
        Assert.Equal("t-acqua_c-flyer1", payload);

        // Giulia opens the link: her app sends "/start t-acqua_c-flyer1".
        Assert.Equal(200, await factory.Bots.CitizenWritesAsync(account, 5001, "Giulia", "it", "/start " + payload, CancellationToken.None));
        var giulia = await factory.SubscriberAsync(n.ChannelId, 5001);
        Assert.Equal("flyer:flyer1", giulia.Source);
        Assert.Equal(ConsentMethod.Keyword, giulia.ConsentMethod);
        Assert.Equal("/start t-acqua_c-flyer1", giulia.ConsentEvidence);
        Assert.Equal([n.TopicId], giulia.Topics.Select(t => t.TopicId));
        Assert.Equal("it", giulia.Language);
        await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(factory.Simulator.Messages(n.ChannelId, 5001).Any(m => !m.FromCitizen)), 20, "the confirmation in Giulia's chat");

        // Wei's app is in Chinese; he starts the bot from its name (/start@Bot), no payload: every topic, Chinese.
        Assert.Equal(200, await factory.Bots.CitizenWritesAsync(account, 5002, "Wei", "zh-hans", "/start@" + account.Setting(TelegramChannel.BotUsername), CancellationToken.None));
        var wei = await factory.SubscriberAsync(n.ChannelId, 5002);
        Assert.Equal("zh", wei.Language);
        Assert.Equal(2, wei.Topics.Count);
        Assert.Equal("keyword", wei.Source);

        // The bulletin (topic acqua): each gets it in their language, rendered in HTML, through the simulator.
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 60, "Sent");
        var giuliaChat = factory.Simulator.Messages(n.ChannelId, 5001);
        var bulletin = Assert.Single(giuliaChat, m => m.Text.StartsWith("Interruzione dell'acqua", StringComparison.Ordinal));
        Assert.Equal("HTML", bulletin.ParseMode);
        Assert.Contains("<b>dalle 8 alle 12</b>", bulletin.Raw, StringComparison.Ordinal);
        Assert.Contains(factory.Simulator.Messages(n.ChannelId, 5002), m => m.Text.StartsWith("停水通知", StringComparison.Ordinal));
        var deliveries = await factory.DeliveriesAsync(id);
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(DeliveryState.Sent, d.State));
        Assert.All(deliveries, d => Assert.Contains(":", d.PlatformMessageId!, StringComparison.Ordinal));

        // A bulletin of another topic reaches only Wei, who follows every topic.
        var sport = await BroadcastFactory.ReadyBulletinAsync(n, topicId: n.OtherTopicId);
        await BroadcastFactory.ApproveAsync(n, sport);
        await BroadcastFactory.WaitForStateAsync(n, sport, 60, "Sent");
        Assert.Equal(wei.Id, Assert.Single(await factory.DeliveriesAsync(sport)).SubscriberId);

        // /stop: Giulia leaves at once and is told so.
        Assert.Equal(200, await factory.Bots.CitizenWritesAsync(account, 5001, "Giulia", "it", "/stop", CancellationToken.None));
        await factory.SubscriberAsync(n.ChannelId, 5001, SubscriberStatus.Left);
    }

    [Fact]
    public async Task A_person_who_blocked_the_bot_is_unsubscribed_by_the_next_send()
    {
        var n = await factory.NewsroomAsync(0, "Telegram");
        var account = await factory.AccountAsync(n.ChannelId);
        Assert.Equal(200, await factory.Bots.CitizenWritesAsync(account, 6001, "Piero", "en", "/start", CancellationToken.None));
        var piero = await factory.SubscriberAsync(n.ChannelId, 6001);
        await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(factory.Simulator.Messages(n.ChannelId, 6001).Any(m => !m.FromCitizen)), 20, "the confirmation");

        // He blocks the bot, and Telegram's update about it is lost: the send's 403 tells.
        factory.Simulator.Block(account, 6001);
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 60, "Sent", "PartlyFailed");
        var delivery = Assert.Single(await factory.DeliveriesAsync(id));
        Assert.Equal(DeliveryState.Failed, delivery.State);
        var left = await factory.SubscriberAsync(n.ChannelId, 6001, SubscriberStatus.Left);
        Assert.Equal(piero.Id, left.Id);
    }

    [Fact]
    public async Task Blocking_the_bot_unsubscribes_at_once_through_the_webhook()
    {
        var n = await factory.NewsroomAsync(0, "Telegram");
        var account = await factory.AccountAsync(n.ChannelId);
        Assert.Equal(200, await factory.Bots.CitizenWritesAsync(account, 6101, "Lia", "it", "/start c-mercato", CancellationToken.None));
        var lia = await factory.SubscriberAsync(n.ChannelId, 6101);
        Assert.Equal("flyer:mercato", lia.Source);
        Assert.Equal(2, lia.Topics.Count);
        Assert.Equal(200, await factory.Bots.BlockAsync(account, 6101, CancellationToken.None));
        await factory.SubscriberAsync(n.ChannelId, 6101, SubscriberStatus.Left);
    }

    [Fact]
    public async Task The_simulator_learns_the_chats_of_subscribers_it_never_met()
    {
        // Subscribers Piazza knows but the simulator never saw (the demo's, or any after a restart).
        var n = await factory.NewsroomAsync(0, "Telegram");
        var ids = await factory.AddSubscribersAsync(n, n.ChannelId, 2, n.TopicId, prefix: "88");
        var id = await BroadcastFactory.ReadyBulletinAsync(n);
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 60, "Sent");
        await using var db = factory.Database.CreateContext();
        foreach (var address in await db.Subscribers.IgnoreQueryFilters().Where(s => ids.Contains(s.Id)).Select(s => s.Address).ToListAsync())
        {
            Assert.Single(factory.Simulator.Messages(n.ChannelId, long.Parse(address, System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public async Task Topics_command_lists_the_topics_and_numbers_choose_them()
    {
        var n = await factory.NewsroomAsync(0, "Telegram");
        var account = await factory.AccountAsync(n.ChannelId);
        Assert.Equal(200, await factory.Bots.CitizenWritesAsync(account, 6201, "Rita", "it", "/start", CancellationToken.None));
        var rita = await factory.SubscriberAsync(n.ChannelId, 6201);
        Assert.Equal(2, rita.Topics.Count);

        Assert.Equal(200, await factory.Bots.CitizenWritesAsync(account, 6201, "Rita", "it", "/topics@" + account.Setting(TelegramChannel.BotUsername), CancellationToken.None));
        await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(factory.Simulator.Messages(n.ChannelId, 6201).Any(m => !m.FromCitizen && m.Text.Contains("2. ✓ Sport", StringComparison.Ordinal))), 20, "the list of topics");
        Assert.Equal(200, await factory.Bots.CitizenWritesAsync(account, 6201, "Rita", "it", "2", CancellationToken.None));
        await BroadcastFactory.WaitUntilAsync(async () =>
        {
            await using var db = factory.Database.CreateContext();
            var topics = await db.SubscriberTopics.IgnoreQueryFilters().Where(t => t.SubscriberId == rita.Id).Select(t => t.TopicId).ToListAsync();
            return topics.Count == 1 && topics[0] == n.OtherTopicId;
        }, 20, "Rita follows only Sport");
    }

    [Fact]
    public async Task The_simulator_answers_the_Bot_API_for_the_sandbox_bot_found_by_its_token()
    {
        var n = await factory.NewsroomAsync(0, "Telegram");
        var account = await factory.AccountAsync(n.ChannelId);
        var token = account.Secret(TelegramChannel.BotToken)!;
        using var client = factory.CreateClient();

        var me = await client.GetFromJsonAsync<JsonObject>($"/sandbox/telegram/bot{token}/getMe");
        Assert.True((bool)me!["ok"]!);
        Assert.Equal(account.Setting(TelegramChannel.BotUsername), (string?)me["result"]!["username"]);
        Assert.True((bool)me["result"]!["is_bot"]!);

        using (var wrong = await client.GetAsync($"/sandbox/telegram/bot{token}x/getMe"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var bad = await client.PostAsJsonAsync($"/sandbox/telegram/bot{token}/setWebhook", new { url = "https://example.org/hook", secret_token = "not allowed!" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (var set = await client.PostAsJsonAsync($"/sandbox/telegram/bot{token}/setWebhook", new { url = $"{client.BaseAddress}hooks/telegram/{n.ChannelId}", secret_token = account.Secret(TelegramChannel.WebhookSecret) }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        using (var notFound = await client.PostAsJsonAsync($"/sandbox/telegram/bot{token}/sendMessage", new { chat_id = 999, text = "ciao" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notFound.StatusCode);
            Assert.Equal("Bad Request: chat not found", (string?)(await notFound.Content.ReadFromJsonAsync<JsonObject>())!["description"]);
        }

        // Through the webhook set above, the person's message arrives and is kept for the staff.
        Assert.Equal(200, await factory.Bots.CitizenWritesAsync(account, 7001, "Ugo", "it", "Buongiorno", CancellationToken.None));
        await BroadcastFactory.WaitUntilAsync(async () => await StoredAsync(n.ChannelId) == 1, 20, "the message stored");
        using var sent = await client.PostAsJsonAsync($"/sandbox/telegram/bot{token}/sendMessage", new { chat_id = 7001, text = "<b>ok</b> &amp; <i>bene</i>", parse_mode = "HTML" });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains(factory.Simulator.Messages(n.ChannelId, 7001), m => m.Text == "ok & bene");
    }

    private async Task<HttpStatusCode> PostAsync(Guid channelId, string body, string? secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/telegram/{channelId}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (secret is not null)
        {
            request.Headers.Add(TelegramWebhook.SecretHeader, secret);
        }

        using var response = await factory.CreateClient().SendAsync(request);
        return response.StatusCode;
    }

    private async Task<int> StoredAsync(Guid channelId)
    {
        await using var db = factory.Database.CreateContext();
        return await db.InboundMessages.IgnoreQueryFilters().CountAsync(m => m.ChannelId == channelId);
    }
}
