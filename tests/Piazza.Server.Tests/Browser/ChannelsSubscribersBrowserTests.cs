using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Piazza.Channels;
using Piazza.Data;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The channels and subscribers pages of the console in a real browser, against the demo municipality
/// (six sandbox channels, 24 invented subscribers).</summary>
public sealed partial class ChannelsSubscribersBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";
    private const string Editor = "redazione@prato.demo";

    [Fact]
    public async Task Channel_list_shows_the_demo_sandbox_channels_with_platform_status_and_subscribers()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/channels");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Canali");

        var table = page.GetByTestId("channels-table");
        foreach (var (name, platform) in new[]
        {
            ("WhatsPrato (sandbox)", "WhatsApp"), ("ViaRoma101 (sandbox)", "WeChat"), ("Prato Notizie Telegram (sandbox)", "Telegram"),
            ("Pagina Facebook (sandbox)", "Facebook"), ("Mastodon (sandbox)", "Mastodon"), ("Sito web comunale", "Web"),
        })
        {
            var row = table.Locator("tbody tr", new() { HasText = name });
            await Assertions.Expect(row).ToHaveCountAsync(1);
            await Assertions.Expect(row.Locator("td").First).ToHaveTextAsync(platform);
            await Assertions.Expect(row.GetByTestId("sandbox-badge")).ToHaveTextAsync("prova");
            await Assertions.Expect(row).ToContainTextAsync("Attivo");
        }

        // The subscriber counts are the active subscribers in the database.
        await using var db = fixture.Database.CreateContext();
        var whatsapp = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Name == "WhatsPrato (sandbox)");
        var active = await db.Subscribers.IgnoreQueryFilters().CountAsync(s => s.ChannelId == whatsapp.Id && s.Status == SubscriberStatus.Active);
        Assert.True(active > 0);
        await Assertions.Expect(table.Locator($"tr[data-channel-id='{whatsapp.Id}'] td.text-end").First).ToHaveTextAsync(active.ToString(CultureInfo.InvariantCulture));
        await BrowserFixture.ScreenshotAsync(page, "channels");
    }

    [Fact]
    public async Task Telegram_channel_created_with_a_bot_token_never_shows_the_token_again()
    {
        const string token = "7301234567:AAH-secret-bot-token-never-shown-0001";
        const string webhookSecret = "webhook-secret-never-shown-0002";
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/channels");
        await page.GetByTestId("new-channel").ClickAsync();

        // Step 1: one card per platform, each with a line on what it is.
        await Assertions.Expect(page.GetByTestId("step")).ToContainTextAsync("Passo 1 di 2");
        var cards = page.GetByTestId("platforms").Locator(".card");
        await Assertions.Expect(cards).ToHaveCountAsync(7);
        foreach (var name in new[] { "WhatsApp", "WeChat", "Telegram", "Facebook", "X", "Mastodon", "Web" })
        {
            await Assertions.Expect(cards.Filter(new() { Has = page.Locator("h2", new() { HasTextRegex = new Regex("^\\s*" + name + "\\s*$") }) })).ToHaveCountAsync(1);
        }

        await Assertions.Expect(cards.Filter(new() { HasText = "Telegram" })).ToContainTextAsync("bot Telegram per le chat private");
        await BrowserFixture.ScreenshotAsync(page, "channel-new");

        // Step 2: the form built from Telegram's definition, in Italian, secrets as password inputs.
        await page.GetByTestId("platform-telegram").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Nuovo canale Telegram");
        await Assertions.Expect(page.Locator("label[for=setting-botUsername]")).ToHaveTextAsync("Nome utente del bot");
        await Assertions.Expect(page.Locator("#setting-botUsername-help")).ToContainTextAsync("@BotFather");
        await Assertions.Expect(page.Locator("#secret-botToken")).ToHaveAttributeAsync("type", "password");
        await Assertions.Expect(page.Locator("#secret-webhookSecret")).ToHaveAttributeAsync("type", "password");
        await page.FillAsync("#channel-name", "Prato Telegram Live");
        await page.FillAsync("#setting-botUsername", "ComunePratoBot");
        await page.FillAsync("#setting-channelUsername", "@pratonotizie");
        await page.FillAsync("#secret-botToken", token);
        await page.FillAsync("#secret-webhookSecret", webhookSecret);
        await BrowserFixture.ScreenshotAsync(page, "channel-new-telegram");
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea canale" }).ClickAsync();

        // The edit page: "set", never the values.
        await Assertions.Expect(page).ToHaveURLAsync(ChannelPageRegex());
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Canale creato.");
        await Assertions.Expect(page.GetByTestId("secret-status-botToken")).ToHaveTextAsync("impostata");
        await Assertions.Expect(page.GetByTestId("secret-status-webhookSecret")).ToHaveTextAsync("impostata");
        await Assertions.Expect(page.Locator("#setting-botUsername")).ToHaveValueAsync("ComunePratoBot");
        await Assertions.Expect(page.Locator("#secret-botToken")).ToHaveValueAsync("");
        await AssertNotInPageAsync(page, token, webhookSecret);
        await BrowserFixture.ScreenshotAsync(page, "channel-edit");

        // Stored encrypted, not as text.
        await using (var db = fixture.Database.CreateContext())
        {
            var channel = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Name == "Prato Telegram Live");
            Assert.Equal(ChannelKind.Telegram, channel.Kind);
            Assert.False(channel.IsSandbox);
            Assert.NotNull(channel.ProtectedSecrets);
            Assert.DoesNotContain(token, channel.ProtectedSecrets, StringComparison.Ordinal);
            Assert.DoesNotContain("AAH-secret", channel.ProtectedSecrets, StringComparison.Ordinal);
        }

        // Saving with the secret fields left empty keeps the secrets.
        await page.FillAsync("#channel-name", "Prato Telegram");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salva", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Modifiche salvate.");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Prato Telegram");
        await Assertions.Expect(page.GetByTestId("secret-status-botToken")).ToHaveTextAsync("impostata");

        // A new token typed in with an error elsewhere is not echoed back either.
        const string newToken = "7301234567:AAH-replacement-token-0003";
        await page.FillAsync("#setting-botUsername", "");
        await page.FillAsync("#secret-botToken", newToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Salva", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#setting-botUsername")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveClassAsync(new Regex("alert-danger"));
        await Assertions.Expect(page.Locator("#secret-botToken")).ToHaveValueAsync("");
        await AssertNotInPageAsync(page, token, webhookSecret, newToken);

        // Removing a secret: "not set" afterwards.
        await page.FillAsync("#setting-botUsername", "ComunePratoBot");
        await page.ClickAsync("label[for=secret-webhookSecret-clear]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salva", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToContainTextAsync("Correggi");
        await Assertions.Expect(page.Locator("#secret-webhookSecret")).ToHaveClassAsync(new Regex("is-invalid"));
        await SetCheckedAsync(page, "channel-sandbox", true);
        await page.ClickAsync("label[for=secret-webhookSecret-clear]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salva", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Modifiche salvate.");
        await Assertions.Expect(page.GetByTestId("secret-status-webhookSecret")).ToHaveTextAsync("non impostata");
        await Assertions.Expect(page.GetByTestId("secret-status-botToken")).ToHaveTextAsync("impostata");
        await Assertions.Expect(page.Locator("#channel-sandbox")).ToBeCheckedAsync();
        await AssertNotInPageAsync(page, token, newToken);
    }

    [Fact]
    public async Task Missing_required_field_keeps_the_other_input_and_shows_the_message()
    {
        const string token = "7309999999:AAH-typed-then-refused-0004";
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/channels/new/telegram");
        await page.FillAsync("#channel-name", "Telegram Scuole");
        await page.FillAsync("#setting-channelUsername", "@scuoleprato");
        await page.FillAsync("#secret-botToken", token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea canale" }).ClickAsync();

        await Assertions.Expect(page.Locator("#setting-botUsername")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.Locator("#setting-botUsername ~ .invalid-feedback")).ToHaveTextAsync("Un canale reale richiede questa impostazione.");
        await Assertions.Expect(page.Locator("#secret-webhookSecret ~ .invalid-feedback")).ToHaveTextAsync("Un canale reale richiede questa credenziale.");
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Correggi i campi evidenziati.");
        await Assertions.Expect(page.Locator("#channel-name")).ToHaveValueAsync("Telegram Scuole");
        await Assertions.Expect(page.Locator("#setting-channelUsername")).ToHaveValueAsync("@scuoleprato");
        await Assertions.Expect(page.Locator("#channel-enabled")).ToBeCheckedAsync();
        await Assertions.Expect(page.Locator("#channel-sandbox")).Not.ToBeCheckedAsync();
        await Assertions.Expect(page.Locator("#secret-botToken")).ToHaveValueAsync("");
        await Assertions.Expect(page.GetByTestId("secrets-reenter")).ToBeVisibleAsync();
        await AssertNotInPageAsync(page, token);
        await BrowserFixture.ScreenshotAsync(page, "channel-new-validation");

        await using var db = fixture.Database.CreateContext();
        Assert.False(await db.Channels.IgnoreQueryFilters().AnyAsync(c => c.Name == "Telegram Scuole"));
    }

    [Fact]
    public async Task Deleting_a_channel_needs_confirmation_and_the_service_refusal_is_shown()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await using var db = fixture.Database.CreateContext();
        var whatsapp = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Name == "WhatsPrato (sandbox)");
        await page.GotoAsync($"/console/channels/{whatsapp.Id}");

        // Without the box ticked nothing happens.
        await page.GetByTestId("delete-channel").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Non è stato eliminato nulla: prima conferma.");
        await Assertions.Expect(page.Locator("#delete-confirm")).ToHaveClassAsync(new Regex("is-invalid"));

        // With it, the service refuses: the channel has active subscribers.
        await page.ClickAsync("label[for=delete-confirm]");
        await page.GetByTestId("delete-channel").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToContainTextAsync("iscritti attivi");
        Assert.True(await db.Channels.IgnoreQueryFilters().AnyAsync(c => c.Id == whatsapp.Id));

        // A channel without subscribers goes.
        await page.GotoAsync("/console/channels/new/mastodon");
        await page.FillAsync("#channel-name", "Mastodon da eliminare");
        await SetCheckedAsync(page, "channel-sandbox", true);
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea canale" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Canale creato.");
        await page.ClickAsync("label[for=delete-confirm]");
        await page.GetByTestId("delete-channel").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/channels\\?deleted=1$"));
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Il canale è stato eliminato.");
        await Assertions.Expect(page.GetByTestId("channels-table")).Not.ToContainTextAsync("Mastodon da eliminare");
        Assert.False(await db.Channels.IgnoreQueryFilters().AnyAsync(c => c.Name == "Mastodon da eliminare"));
    }

    [Fact]
    public async Task Subscriber_list_filters_by_channel_and_status_and_the_address_can_be_bookmarked()
    {
        await using var db = fixture.Database.CreateContext();
        var wechat = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Name == "ViaRoma101 (sandbox)");
        var all = await db.Subscribers.IgnoreQueryFilters().CountAsync();
        var onWeChat = await db.Subscribers.IgnoreQueryFilters().CountAsync(s => s.ChannelId == wechat.Id);
        var leftOnWeChat = await db.Subscribers.IgnoreQueryFilters().CountAsync(s => s.ChannelId == wechat.Id && s.Status == SubscriberStatus.Left);
        Assert.InRange(onWeChat, 2, all - 1);
        Assert.InRange(leftOnWeChat, 1, onWeChat - 1);

        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/subscribers");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Iscritti");
        await Assertions.Expect(page.GetByTestId("subscribers-total")).ToHaveTextAsync(all.ToString(CultureInfo.InvariantCulture));
        var rows = page.GetByTestId("subscribers-table").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(Math.Min(all, 50));
        // Addresses are masked in the list.
        await Assertions.Expect(rows.First.Locator("th")).ToContainTextAsync("•••••");
        await BrowserFixture.ScreenshotAsync(page, "subscribers");

        await page.SelectOptionAsync("#filter-channel", new SelectOptionValue { Label = "ViaRoma101 (sandbox)" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Filtra", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("channel=" + wechat.Id));
        await Assertions.Expect(page.GetByTestId("subscribers-total")).ToHaveTextAsync(onWeChat.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(rows).ToHaveCountAsync(onWeChat);
        foreach (var row in await rows.AllAsync())
        {
            await Assertions.Expect(row).ToContainTextAsync("ViaRoma101 (sandbox)");
        }

        await page.SelectOptionAsync("#filter-status", "left");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filtra", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("status=left"));
        await Assertions.Expect(page.GetByTestId("subscribers-total")).ToHaveTextAsync(leftOnWeChat.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(rows).ToHaveCountAsync(leftOnWeChat);
        await Assertions.Expect(rows.First).ToContainTextAsync("Disiscritto");

        // The filtered view is in the address: opening it again gives the same list, with the filters selected.
        var bookmarked = page.Url;
        var other = await fixture.NewPageAsync(signInAs: Admin);
        await other.GotoAsync(bookmarked);
        await Assertions.Expect(other.GetByTestId("subscribers-total")).ToHaveTextAsync(leftOnWeChat.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(other.Locator("#filter-channel")).ToHaveValueAsync(wechat.Id.ToString());
        await Assertions.Expect(other.Locator("#filter-status")).ToHaveValueAsync("left");

        // Nothing matches: the empty state says so.
        await page.SelectOptionAsync("#filter-language", "zh");
        await page.SelectOptionAsync("#filter-channel", new SelectOptionValue { Label = "WhatsPrato (sandbox)" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Filtra", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("subscribers-empty")).ToContainTextAsync("Nessun iscritto corrisponde a questi filtri.");
        await Assertions.Expect(page.GetByTestId("subscribers-total")).ToHaveTextAsync("0");
    }

    [Fact]
    public async Task Subscriber_list_pages_by_fifty()
    {
        await using var db = fixture.Database.CreateContext();
        var web = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Name == "Sito web comunale");
        var now = DateTime.UtcNow;
        for (var i = 0; i < 60; i++)
        {
            db.Subscribers.Add(new Subscriber
            {
                OrganizationId = web.OrganizationId, ChannelId = web.Id, Address = $"web-{i:D3}@lettori.example", Status = SubscriberStatus.Active,
                SubscribedAt = now.AddMinutes(-i), ConsentAt = now.AddMinutes(-i), ConsentMethod = ConsentMethod.WebForm, ConsentEvidence = "form " + i,
                PolicyVersion = "privacy-2026-01", Source = "Test di paginazione",
            });
        }

        await db.SaveChangesAsync();
        try
        {
            var page = await fixture.NewPageAsync(signInAs: Admin);
            await page.GotoAsync($"/console/subscribers?channel={web.Id}");
            var rows = page.GetByTestId("subscribers-table").Locator("tbody tr");
            await Assertions.Expect(page.GetByTestId("subscribers-total")).ToHaveTextAsync("60");
            await Assertions.Expect(rows).ToHaveCountAsync(50);
            var pagination = page.GetByTestId("pagination");
            await Assertions.Expect(pagination.Locator("[aria-current=page]")).ToContainTextAsync("1");
            await pagination.GetByRole(AriaRole.Link, new() { Name = "Pagina 2" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("page=2"));
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("channel=" + web.Id));
            await Assertions.Expect(rows).ToHaveCountAsync(10);
            await Assertions.Expect(pagination.Locator("[aria-current=page]")).ToContainTextAsync("2");
            await Assertions.Expect(page.GetByText("visualizzati 51–60")).ToBeVisibleAsync();
        }
        finally
        {
            // The other tests count the demo's subscribers: take these away again.
            await db.Subscribers.IgnoreQueryFilters().Where(s => s.ChannelId == web.Id).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task Search_finds_a_subscriber_by_part_of_their_address_and_is_audited()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/subscribers");
        await Assertions.Expect(page.Locator("#filter-search")).ToBeEnabledAsync();
        await page.FillAsync("#filter-search", "1000003");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filtra", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("q=1000003"));
        await Assertions.Expect(page.GetByTestId("subscribers-total")).ToHaveTextAsync("1");
        var row = page.GetByTestId("subscribers-table").Locator("tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator("th")).ToHaveTextAsync("+39•••••0003");
        await Assertions.Expect(page.Locator("#filter-search")).ToHaveValueAsync("1000003");
        Assert.DoesNotContain("+393331000003", await page.ContentAsync(), StringComparison.Ordinal);

        await using var db = fixture.Database.CreateContext();
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(a => a.Action == "personal-data.search" && a.ActorName == Admin && a.Detail == "search: " + Piazza.Subscribers.SubscriberService.Mask(Piazza.Channels.ChannelKind.Web, "1000003")));
    }

    [Fact]
    public async Task Detail_shows_the_masked_address_and_consent_and_revealing_the_address_is_audited()
    {
        await using var db = fixture.Database.CreateContext();
        var subscriber = await db.Subscribers.IgnoreQueryFilters().Where(s => s.Address == "+393331000000").SingleAsync();
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync($"/console/subscribers?q=1000000");
        await page.GetByTestId("subscribers-table").Locator($"tr[data-subscriber-id='{subscriber.Id}'] th a").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/console/subscribers/{subscriber.Id}$"));

        await Assertions.Expect(page.GetByTestId("masked-address")).ToHaveTextAsync("+39•••••0000");
        var consent = page.GetByTestId("consent");
        // The version of the channel's policy agreed to, linked to its text.
        await Assertions.Expect(consent.GetByTestId("consent-policy-link")).ToHaveTextAsync("Versione 1");
        await Assertions.Expect(consent.GetByTestId("consent-policy-link")).ToHaveAttributeAsync("href", $"/console/channels/{subscriber.ChannelId}/policies/1");
        await Assertions.Expect(consent).ToContainTextAsync("ATTIVA ISCRIZIONE");
        await Assertions.Expect(consent).ToContainTextAsync(subscriber.Source!);
        await Assertions.Expect(consent).ToContainTextAsync("Ha inviato la parola chiave di iscrizione");
        var html = await page.ContentAsync();
        Assert.DoesNotContain("+393331000000", html, StringComparison.Ordinal);
        Assert.DoesNotContain(subscriber.DisplayName!, html, StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "subscriber-detail");

        var readsBefore = await PersonalDataReadsAsync(db, subscriber.Id, Admin);
        await page.GetByTestId("reveal").ClickAsync();
        await Assertions.Expect(page.GetByTestId("full-address")).ToHaveTextAsync("+393331000000");
        await Assertions.Expect(page.GetByTestId("display-name")).ToHaveTextAsync(subscriber.DisplayName!);
        await Assertions.Expect(page.GetByTestId("reveal-note")).ToContainTextAsync("registro delle attività");
        await BrowserFixture.ScreenshotAsync(page, "subscriber-detail-revealed");
        Assert.Equal(readsBefore + 1, await PersonalDataReadsAsync(db, subscriber.Id, Admin));
    }

    [Fact]
    public async Task Preferences_are_updated_and_erasure_needs_confirmation()
    {
        await using var db = fixture.Database.CreateContext();
        var subscriber = await db.Subscribers.IgnoreQueryFilters().Include(s => s.Topics).SingleAsync(s => s.Address == "700000002");
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync($"/console/subscribers/{subscriber.Id}");

        await page.SelectOptionAsync("#preferred-language", "zh");
        await SetCheckedAsync(page, "also-it", true);
        await page.SelectOptionAsync("#subscriber-status", "Left");
        var water = await db.Topics.IgnoreQueryFilters().SingleAsync(t => t.Key == "acqua");
        var waterBox = "topic-" + water.Id.ToString("N");
        var followedWater = subscriber.Topics.Any(t => t.TopicId == water.Id);
        await SetCheckedAsync(page, waterBox, !followedWater);
        await page.GetByTestId("preferences-form").GetByRole(AriaRole.Button, new() { Name = "Salva" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Modifiche salvate.");
        await Assertions.Expect(page.GetByTestId("subscriber-status")).ToHaveTextAsync("Disiscritto");
        await Assertions.Expect(page.Locator("#" + waterBox)).ToBeCheckedAsync(new() { Checked = !followedWater });

        await using (var check = fixture.Database.CreateContext())
        {
            var saved = await check.Subscribers.IgnoreQueryFilters().Include(s => s.Topics).SingleAsync(s => s.Id == subscriber.Id);
            Assert.Equal("zh,it", saved.Languages);
            Assert.Equal(SubscriberStatus.Left, saved.Status);
            Assert.Equal(!followedWater, saved.Topics.Any(t => t.TopicId == water.Id));
        }

        // Erasure: refused without the box, done with it.
        var erase = page.GetByTestId("erase-subscriber");
        await erase.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Non è stato cancellato nulla: prima conferma.");
        await page.ClickAsync("label[for=erase-confirm]");
        await erase.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/subscribers\\?erased=1$"));
        await Assertions.Expect(page.GetByTestId("page-message")).ToContainTextAsync("cancellati");

        await using (var check = fixture.Database.CreateContext())
        {
            Assert.False(await check.Subscribers.IgnoreQueryFilters().AnyAsync(s => s.Id == subscriber.Id));
            Assert.True(await check.AuditEntries.IgnoreQueryFilters().AnyAsync(a => a.Action == "subscriber.erased" && a.ObjectId == subscriber.Id.ToString(CultureInfo.InvariantCulture)));
        }

        var gone = await page.GotoAsync($"/console/subscribers/{subscriber.Id}");
        Assert.Equal(404, gone!.Status);
    }

    [Fact]
    public async Task Editor_cannot_search_or_reveal_personal_data()
    {
        await using var db = fixture.Database.CreateContext();
        var page = await fixture.NewPageAsync(signInAs: Editor);
        await page.GotoAsync("/console/subscribers");
        await Assertions.Expect(page.GetByTestId("subscribers-table")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#filter-search")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("search-help")).ToContainTextAsync("amministratori");

        // Typing the search into the address does not get round it.
        await page.GotoAsync("/console/subscribers?q=333");
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Non hai i permessi per farlo.");
        await Assertions.Expect(page.GetByTestId("subscribers-table")).ToHaveCountAsync(0);
        Assert.False(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(a => a.Action == "personal-data.search" && a.ActorName == Editor));

        var subscriber = await db.Subscribers.IgnoreQueryFilters().OrderBy(s => s.Id).FirstAsync();
        await page.GotoAsync($"/console/subscribers/{subscriber.Id}");
        await Assertions.Expect(page.GetByTestId("masked-address")).ToContainTextAsync("•••••");
        await Assertions.Expect(page.GetByTestId("reveal")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("full-address")).ToHaveCountAsync(0);
        Assert.DoesNotContain(subscriber.Address, await page.ContentAsync(), StringComparison.Ordinal);
        // Editors read subscribers but do not change or erase them.
        await Assertions.Expect(page.Locator("#subscriber-status")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("erase-subscriber")).ToHaveCountAsync(0);
        Assert.Equal(0, await PersonalDataReadsAsync(db, subscriber.Id, Editor));

        // Channels: read-only for editors.
        await page.GotoAsync("/console/channels");
        await Assertions.Expect(page.GetByTestId("new-channel")).ToHaveCountAsync(0);
        var whatsapp = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Name == "WhatsPrato (sandbox)");
        await page.GotoAsync($"/console/channels/{whatsapp.Id}");
        await Assertions.Expect(page.Locator("#channel-name")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("delete-channel")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Channel_and_subscriber_pages_fit_a_small_phone()
    {
        await using var db = fixture.Database.CreateContext();
        var subscriber = await db.Subscribers.IgnoreQueryFilters().OrderBy(s => s.Id).FirstAsync();
        var telegram = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Name == "Prato Notizie Telegram (sandbox)");
        var page = await fixture.NewPageAsync(width: 375, height: 740, signInAs: Admin);
        foreach (var path in new[] { "/console/channels", "/console/channels/new", "/console/channels/new/whatsapp", $"/console/channels/{telegram.Id}", "/console/subscribers", $"/console/subscribers/{subscriber.Id}" })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
            var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1");
            var wide = overflow ? await page.EvaluateAsync<string>(WidestElementsScript) : string.Empty;
            if (overflow)
            {
                await BrowserFixture.ScreenshotAsync(page, "phone-overflow");
            }

            Assert.False(overflow, $"{path} scrolls sideways on a 375px-wide phone: {wide}");
        }

        await BrowserFixture.ScreenshotAsync(page, "subscriber-detail-phone");
    }

    /// <summary>The innermost elements that stick out on the right, to say what makes a page scroll sideways.</summary>
    private const string WidestElementsScript = """
        [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
          .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join('; ')
        """;

    private static async Task AssertNotInPageAsync(IPage page, params string[] secrets)
    {
        var html = await page.ContentAsync();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
        }
    }

    private static async Task SetCheckedAsync(IPage page, string id, bool value)
    {
        if (await page.IsCheckedAsync("#" + id) != value)
        {
            await page.ClickAsync($"label[for={id}]");
        }

        await Assertions.Expect(page.Locator("#" + id)).ToBeCheckedAsync(new() { Checked = value });
    }

    private static Task<int> PersonalDataReadsAsync(PiazzaDb db, long subscriberId, string actor)
    {
        var id = subscriberId.ToString(CultureInfo.InvariantCulture);
        return db.AuditEntries.IgnoreQueryFilters().CountAsync(a => a.Action == "personal-data.read" && a.ObjectType == "subscriber" && a.ObjectId == id && a.ActorName == actor);
    }

    [GeneratedRegex("/console/channels/[0-9a-f-]{36}\\?created=1$")]
    private static partial Regex ChannelPageRegex();
}
