using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Piazza.ApiKeys;
using Piazza.Broadcast;
using Piazza.Data;
using Piazza.Server.Sandbox;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>
/// The citizen phone as a Telegram user of the demo's sandbox bot "Prato Notizie" and as a member of its thematic public
/// channel @PratoSport, and the page of what the social simulators received. Every step goes the real way: the simulator
/// posts Telegram's update with the secret token to /hooks/telegram/{id}, the inbound processor answers through the real
/// adapter, bulletins go out through the dispatcher and the same adapter.
/// </summary>
public sealed class TelegramPhoneBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";
    private const string Editor = "redazione@prato.demo";
    private const string Bot = "Prato Notizie Telegram (sandbox)";
    private const string Sport = "Prato Sport (sandbox)";
    private const string Mastodon = "Mastodon (sandbox)";
    private const string Person = "Marco Bianchi";

    /// <summary>A title written to break a page that would show the message's HTML: a script, a bare ampersand, an
    /// unclosed bold tag. It must show as these very characters.</summary>
    private const string HostileTitle = "<script>window.__pwned = 1</script> Partita & festa <b>grassetto";

    private static readonly LocatorAssertionsToContainTextOptions Slow = new() { Timeout = 30_000 };

    [Fact]
    public async Task A_Telegram_user_subscribes_from_a_deep_link_reads_a_formatted_bulletin_safely_and_leaves_by_blocking_the_bot()
    {
        var botId = await ChannelIdAsync(Bot);
        var sportId = await ChannelIdAsync(Sport);
        var mastodonId = await ChannelIdAsync(Mastodon);
        var page = await fixture.NewPageAsync(signInAs: Admin);

        // 1. The phone, the bot, a person of our own: the chat id derives from the name.
        await page.GetByRole(AriaRole.Link, new() { Name = "Telefono del cittadino" }).ClickAsync();
        await page.SelectOptionAsync("#phone-channel", new SelectOptionValue { Label = Bot });
        await page.GetByTestId("phone-open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("telegram-intro")).ToBeVisibleAsync();
        await page.GetByTestId("telegram-name").FillAsync(Person);
        await page.GetByTestId("telegram-language").SelectOptionAsync("it");
        await page.GetByTestId("phone-open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("telegram-person")).ToHaveTextAsync(Person);
        await Assertions.Expect(page.GetByTestId("telegram-bot")).ToHaveTextAsync("@PratoNotizieBot");
        var chatId = TelegramPhone.ChatIdOf(Person);
        await Assertions.Expect(page.GetByTestId("telegram-chat-id")).ToHaveTextAsync(chatId.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByTestId("telegram-blocked")).ToHaveAttributeAsync("data-blocked", "false");

        // 2. A flyer's deep link for sport, from the stadium: the app sends "/start t-sport_c-volantino-stadio".
        await page.GetByTestId("telegram-link").FillAsync("https://t.me/PratoNotizieBot?start=t-sport_c-volantino-stadio");
        await page.GetByTestId("telegram-open-link").ClickAsync();
        var messages = page.GetByTestId("phone-messages");
        await Assertions.Expect(messages.Locator(".citizen-phone-out").Last).ToHaveTextAsync(new Regex("/start t-sport_c-volantino-stadio"));
        await Assertions.Expect(messages.Locator(".citizen-phone-in").First).ToContainTextAsync("Iscrizione attivata", Slow);

        // Subscribed to sport only, the flyer as the source, the /start as the consent's evidence.
        var subscriber = await SubscriberAsync(botId, chatId, SubscriberStatus.Active);
        await using (var db = fixture.Database.CreateContext())
        {
            var sportTopic = await db.Topics.IgnoreQueryFilters().Where(t => t.OrganizationId == subscriber.OrganizationId && t.Key == "sport").Select(t => t.Id).SingleAsync();
            var topics = await db.Set<SubscriberTopic>().IgnoreQueryFilters().Where(t => t.SubscriberId == subscriber.Id).Select(t => t.TopicId).ToListAsync();
            Assert.Equal([sportTopic], topics);
        }

        Assert.Equal("flyer:volantino-stadio", subscriber.Source);
        Assert.Equal("/start t-sport_c-volantino-stadio", subscriber.ConsentEvidence);
        Assert.Equal(ConsentMethod.Keyword, subscriber.ConsentMethod);
        Assert.Equal("it", subscriber.Language);
        var consolePage = await fixture.NewPageAsync(signInAs: Admin);
        await consolePage.GotoAsync($"/console/subscribers/{subscriber.Id}");
        await Assertions.Expect(consolePage.GetByTestId("subscriber-status")).ToHaveTextAsync("Attivo");
        var consent = consolePage.GetByTestId("consent");
        await Assertions.Expect(consent.Locator("dt", new() { HasText = "Provenienza o campagna" }).Locator("+ dd")).ToHaveTextAsync("flyer:volantino-stadio");
        await Assertions.Expect(consent).ToContainTextAsync("/start t-sport_c-volantino-stadio");

        // A link to another bot is refused on its field, in Italian, and nothing is sent.
        await page.GetByTestId("telegram-link").FillAsync("https://t.me/AltroBot?start=t-sport");
        await page.GetByTestId("telegram-open-link").ClickAsync();
        await Assertions.Expect(page.GetByTestId("telegram-link-form")).ToContainTextAsync("Questo link apre un altro bot, non quello di questo canale.");
        await Assertions.Expect(messages.Locator(".citizen-phone-out")).ToHaveCountAsync(1);

        // /topics lists the topics, sport among them.
        await page.GetByTestId("telegram-commands").GetByRole(AriaRole.Button, new() { Name = "/topics" }).ClickAsync();
        await Assertions.Expect(messages.Locator(".citizen-phone-out").Last).ToHaveTextAsync(new Regex("/topics"));
        await Assertions.Expect(messages.Locator(".citizen-phone-in").Last).ToContainTextAsync("Sport", Slow);

        // 3. A sport bulletin with a hostile title, on the bot, on @PratoSport and on Mastodon, approved through the API.
        var (author, approver) = await ApiClientsAsync();
        using (var policy = await author.PutAsJsonAsync("/api/v1/sending-policy", new { monthlyCap = 5, serviceHours = "", quietHours = "" }))
        {
            Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
        }

        var topicId = await TopicIdAsync("sport");
        var postId = await BulletinAsync(author, topicId, [botId, sportId, mastodonId]);
        using (var approved = await approver.PostAsJsonAsync($"/api/v1/bulletins/{postId}/approve", new { sendAt = (DateTime?)null }))
        {
            Assert.True(approved.StatusCode == HttpStatusCode.OK, await approved.Content.ReadAsStringAsync());
        }

        // It arrives in the open chat (the page's script reads it), formatted: the title bold, "15" bold, the link a link;
        // the hostile title as characters, no script anywhere.
        var bulletin = messages.Locator(".citizen-phone-in", new() { HasText = "Partita & festa" });
        await Assertions.Expect(bulletin).ToContainTextAsync(HostileTitle, Slow);
        await AssertFormattedAsync(page, bulletin);
        await BrowserFixture.ScreenshotAsync(page, "citizen-phone-telegram");
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));
        await Axe.AssertAccessibleAsync(page, "the citizen phone as a Telegram user");

        // The same, drawn by the server.
        await page.ReloadAsync();
        await AssertFormattedAsync(page, page.GetByTestId("phone-messages").Locator(".citizen-phone-in", new() { HasText = "Partita & festa" }));

        // 4. @PratoSport as a member sees it: the post, once, formatted.
        await page.SelectOptionAsync("#phone-channel", new SelectOptionValue { Label = Sport });
        await page.GetByTestId("phone-open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("telegram-public-channel")).ToHaveTextAsync("@PratoSport");
        await Assertions.Expect(page.GetByTestId("telegram-channel")).ToContainTextAsync("Canale tematico, pubblica solo: Sport");
        var post = page.GetByTestId("phone-messages").Locator(".citizen-phone-in", new() { HasText = "Partita & festa" });
        await Assertions.Expect(post).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await AssertFormattedAsync(page, post);
        await Assertions.Expect(page.GetByTestId("telegram-compose")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "citizen-phone-telegram-channel");
        await Axe.AssertAccessibleAsync(page, "a public Telegram channel on the citizen phone");

        // 5. What the simulators received: the @PratoSport post and the Mastodon status with the delivery's key.
        await page.GetByTestId("sandbox-posts-link").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Cosa hanno ricevuto i simulatori dei social");
        var sportPost = page.Locator($"[data-testid=sandbox-post][data-channel-id='{sportId}']");
        await Assertions.Expect(sportPost).ToHaveCountAsync(1);
        await Assertions.Expect(sportPost.GetByTestId("post-account")).ToHaveTextAsync("@PratoSport");
        await Assertions.Expect(sportPost.GetByTestId("post-text")).ToContainTextAsync(HostileTitle);
        await Assertions.Expect(sportPost.GetByTestId("post-length")).ToHaveTextAsync(new Regex(@"^\d+ / 4\.096$"));
        await AssertFormattedAsync(page, sportPost.GetByTestId("post-text"));
        var status = page.Locator($"[data-testid=sandbox-post][data-channel-id='{mastodonId}']");
        await Assertions.Expect(status).ToHaveCountAsync(1);
        await Assertions.Expect(status.GetByTestId("post-account")).ToHaveTextAsync("@comunediprato@mastodon.uno");
        await Assertions.Expect(status.GetByTestId("post-idempotency-key")).ToHaveTextAsync(Delivery.IdempotencyKey(postId, mastodonId, 0));
        await Assertions.Expect(status.GetByTestId("post-length")).ToHaveTextAsync(new Regex(@"^\d+ / 500$"));
        await Assertions.Expect(status.GetByTestId("post-text")).ToContainTextAsync(HostileTitle);
        Assert.Equal(0, await page.Locator("script:not([src])").Filter(new() { HasText = "__pwned" }).CountAsync());
        await BrowserFixture.ScreenshotAsync(page, "sandbox-posts");
        await Axe.AssertAccessibleAsync(page, "what the social simulators received");
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));
        await page.SetViewportSizeAsync(375, 740);
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));
        await page.GotoAsync($"/console/sandbox/phone?channel={botId}&name={Uri.EscapeDataString(Person)}&lang=it");
        await Assertions.Expect(page.GetByTestId("telegram-person")).ToHaveTextAsync(Person);
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));
        await page.SetViewportSizeAsync(1280, 900);

        // 6. Back on the bot: blocking it tells the webhook, and the subscriber has left.
        await page.GotoAsync($"/console/sandbox/phone?channel={botId}&name={Uri.EscapeDataString(Person)}&lang=it");
        await page.GetByTestId("telegram-block").ClickAsync();
        await Assertions.Expect(page.GetByTestId("telegram-blocked")).ToHaveAttributeAsync("data-blocked", "true");
        await Assertions.Expect(page.GetByTestId("telegram-compose")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("telegram-restart")).ToBeVisibleAsync();
        var left = await SubscriberAsync(botId, chatId, SubscriberStatus.Left);
        Assert.Equal(subscriber.Id, left.Id);
        await page.GotoAsync($"/console/subscribers/{left.Id}");
        await Assertions.Expect(page.GetByTestId("subscriber-status")).ToHaveTextAsync("Disiscritto");
    }

    [Fact]
    public async Task A_bulletin_of_another_topic_is_refused_on_a_thematic_channel_in_the_composer_and_in_the_API()
    {
        var sportId = await ChannelIdAsync(Sport);
        var editor = await fixture.NewPageAsync(signInAs: Editor);
        await editor.GotoAsync("/console/bulletins/new");
        var choice = editor.GetByTestId("channel-choices").Locator("li", new() { HasText = Sport });
        await Assertions.Expect(choice.GetByTestId("channel-topics")).ToHaveTextAsync("Canale tematico, pubblica solo: Sport");
        await Assertions.Expect(choice.GetByTestId("channel-topic-mismatch")).ToBeHiddenAsync();

        // Water on @PratoSport: the composer warns as soon as the topic is chosen, and the save is refused by the service.
        await editor.SelectOptionAsync("#bulletin-topic", new SelectOptionValue { Label = "Acqua" });
        await choice.Locator("label").ClickAsync();
        await Assertions.Expect(choice.GetByTestId("channel-topic-mismatch")).ToBeVisibleAsync();
        await Assertions.Expect(choice.GetByTestId("channel-topic-mismatch")).ToHaveTextAsync("Non pubblica l'argomento scelto per questo notiziario.");
        await editor.FillAsync("#title-it", "Acqua torbida in via Pistoiese");
        await editor.FillAsync("#text-it", "Non bevete l'acqua del rubinetto fino a nuovo avviso.");
        await editor.GetByTestId("save-bulletin").ClickAsync();
        await Assertions.Expect(editor.GetByTestId("page-message")).ToHaveTextAsync("Correggi i campi evidenziati.");
        await Assertions.Expect(choice).ToContainTextAsync("Questo canale tematico pubblica altri argomenti: scegli uno dei suoi argomenti o un altro canale.");
        await Assertions.Expect(choice.Locator(".channel-choice")).ToHaveClassAsync(new Regex("is-invalid"));
        await BrowserFixture.ScreenshotAsync(editor, "bulletin-thematic-channel-refused");
        await Axe.AssertAccessibleAsync(editor, "the composer refusing a thematic channel");
        await Assertions.Expect(editor).ToHaveURLAsync(new Regex("/console/bulletins/new$"));

        // Sport: the warning goes, the bulletin is saved.
        await editor.SelectOptionAsync("#bulletin-topic", new SelectOptionValue { Label = "Sport" });
        await Assertions.Expect(choice.GetByTestId("channel-topic-mismatch")).ToBeHiddenAsync();
        await editor.FillAsync("#title-it", "Maratona di Prato");
        await editor.GetByTestId("save-bulletin").ClickAsync();
        await Assertions.Expect(editor).ToHaveURLAsync(new Regex("/console/bulletins/[0-9a-f-]{36}(\\?done=created)?$"));

        // The API: 400 problem+json naming the channel's place among the bulletin's channels.
        var (author, _) = await ApiClientsAsync();
        using var refused = await author.PostAsJsonAsync("/api/v1/bulletins", new
        {
            topicId = await TopicIdAsync("acqua"),
            channelIds = new[] { sportId },
            bodies = new Dictionary<string, object> { ["it"] = new { title = "Acqua", markdown = "Testo." } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal("This thematic channel publishes other topics: choose one of its topics or another channel.", (string?)problem["errors"]!["channelIds[0]"]![0]);

        // The channel's page shows its topics and, under them, the keys the organization's topics have.
        await editor.GotoAsync($"/console/channels/{sportId}");
        await Assertions.Expect(editor.Locator("#setting-topics")).ToHaveValueAsync("sport");
        await Assertions.Expect(editor.GetByTestId("topic-keys")).ToContainTextAsync("Le chiavi degli argomenti dell'ente:");
        await Assertions.Expect(editor.GetByTestId("topic-keys")).ToContainTextAsync("scuole");

        // Staff who do not manage channels see neither the phone nor what the simulators received.
        await editor.GotoAsync("/console/sandbox/posts");
        await Assertions.Expect(editor.GetByTestId("page-message")).ToHaveTextAsync("Non hai i permessi per farlo.");
        await Assertions.Expect(editor.GetByTestId("sandbox-posts")).ToHaveCountAsync(0);
        var messages = await editor.APIRequest.GetAsync($"/console/sandbox/phone/telegram/messages?channel={sportId}");
        Assert.Equal(403, messages.Status);
    }

    /// <summary>The bulletin's formatting as the app shows it: the title and "15" bold, the link a link, the hostile
    /// title's characters as text and never an element.</summary>
    private static async Task AssertFormattedAsync(IPage page, ILocator message)
    {
        await Assertions.Expect(message.Locator("strong", new() { HasText = "Partita & festa" })).ToHaveCountAsync(1);
        await Assertions.Expect(message.Locator("strong", new() { HasTextRegex = new Regex("^15$") })).ToHaveCountAsync(1);
        var link = message.Locator("a[href='https://www.comune.prato.it/sport']");
        await Assertions.Expect(link).ToHaveTextAsync("Lungobisenzio");
        await Assertions.Expect(link).ToHaveAttributeAsync("rel", "noopener noreferrer nofollow");
        Assert.Equal(0, await message.Locator("script, b, strong strong").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__pwned === undefined"), "the title's script ran");
    }

    private async Task<Guid> ChannelIdAsync(string name)
    {
        await using var db = fixture.Database.CreateContext();
        return await db.Channels.IgnoreQueryFilters().Where(c => c.Name == name).Select(c => c.Id).SingleAsync();
    }

    private async Task<Guid> TopicIdAsync(string key)
    {
        await using var db = fixture.Database.CreateContext();
        return await db.Topics.IgnoreQueryFilters().Where(t => t.Key == key).Select(t => t.Id).SingleAsync();
    }

    /// <summary>Waits until the chat's person is a subscriber of the channel in <paramref name="status"/>.</summary>
    private async Task<Subscriber> SubscriberAsync(Guid channelId, long chatId, SubscriberStatus status)
    {
        var address = chatId.ToString(CultureInfo.InvariantCulture);
        for (var tries = 0; ; tries++)
        {
            await using (var db = fixture.Database.CreateContext())
            {
                var s = await db.Subscribers.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(x => x.ChannelId == channelId && x.Address == address && x.Status == status);
                if (s is not null)
                {
                    return s;
                }
            }

            Assert.True(tries < 80, $"chat {chatId} did not become {status} within 20 s");
            await Task.Delay(250);
        }
    }

    /// <summary>Two API keys of the demo: an author (who also sets the sending policy) and an approver.</summary>
    private async Task<(HttpClient Author, HttpClient Approver)> ApiClientsAsync()
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var org = await db.Organizations.IgnoreQueryFilters().Where(o => o.Slug == "prato-demo").Select(o => o.Id).SingleAsync();
        var (authorKey, authorSecret) = ApiKeyService.New(org, "Redazione (test)", "bulletins:read bulletins:write organization:write organization:read", DateTime.UtcNow);
        var (approverKey, approverSecret) = ApiKeyService.New(org, "Approvazione (test)", "bulletins:read bulletins:approve", DateTime.UtcNow);
        db.ApiKeys.AddRange(authorKey, approverKey);
        await db.SaveChangesAsync();
        return (Client(authorSecret), Client(approverSecret));
    }

    private HttpClient Client(string secret)
    {
        var client = new HttpClient { BaseAddress = fixture.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>A sport bulletin with the hostile title, submitted (no translation needed on these channels): its id.</summary>
    private static async Task<Guid> BulletinAsync(HttpClient author, Guid topicId, Guid[] channels)
    {
        using var created = await author.PostAsJsonAsync("/api/v1/bulletins", new
        {
            topicId,
            priority = "Normal",
            audience = "TopicSubscribers",
            channelIds = channels,
            bodies = new Dictionary<string, object>
            {
                ["it"] = new { title = HostileTitle, markdown = "Domenica alle **15** allo stadio: programma sul sito del [Lungobisenzio](https://www.comune.prato.it/sport)." },
            },
        });
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        var id = Guid.Parse((string)JsonNode.Parse(text)!["id"]!);
        using var submitted = await author.PostAsync($"/api/v1/bulletins/{id}/submit", null);
        var state = (string?)JsonNode.Parse(await submitted.Content.ReadAsStringAsync())!["state"];
        Assert.Equal("InReview", state);
        return id;
    }
}
