using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Piazza.Broadcast;
using Piazza.Posts;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The bulletin pages of the console in a real browser, against the demo municipality: composing with the
/// live preview, the workflow with each demo user in a browser of their own (editor, mediator, approver), the
/// sending followed to the end, the sending policy, and a small phone.</summary>
public sealed partial class BulletinsBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";
    private const string Editor = "redazione@prato.demo";
    private const string Mediator = "mediatrice.zh@prato.demo";
    private const string Approver = "approvazione@prato.demo";
    private const string WhatsApp = "WhatsPrato (sandbox)";
    private const string WeChat = "ViaRoma101 (sandbox)";

    /// <summary>Long enough for a sending followed to its end, short enough to fail a broken test quickly.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions Broadcast = new() { Timeout = 30_000 };

    [Fact]
    public async Task Bulletin_goes_from_the_editor_through_the_mediator_to_the_approver_and_is_sent_to_the_end()
    {
        // The demo's policy sends routine bulletins only in office hours: any time, no quiet hours, no cap, through the policy page.
        var admin = await fixture.NewPageAsync(signInAs: Admin);
        await SetSendingPolicyAsync(admin, cap: "", hours: "", quiet: "");
        await Assertions.Expect(admin.GetByTestId("summary-hours")).ToHaveTextAsync("a qualsiasi ora");
        await Assertions.Expect(admin.GetByTestId("summary-quiet")).ToHaveTextAsync("nessuna");
        await Assertions.Expect(admin.GetByTestId("summary-cap")).ToHaveTextAsync("nessun limite");

        // The editor composes: topic, everyone on WhatsApp and ViaRoma101, the Italian text only.
        var editor = await fixture.NewPageAsync(signInAs: Editor);
        await editor.GotoAsync("/console/bulletins");
        await editor.GetByTestId("new-bulletin").ClickAsync();
        await Assertions.Expect(editor.Locator("h1")).ToHaveTextAsync("Nuovo notiziario");
        await editor.SelectOptionAsync("#bulletin-topic", new SelectOptionValue { Label = "Traffico e viabilità" });
        await editor.ClickAsync("label[for=audience-everyone]");
        await TickChannelAsync(editor, WhatsApp);
        await TickChannelAsync(editor, WeChat);
        await editor.FillAsync("#title-it", "Via Roma chiusa per lavori");
        await editor.FillAsync("#text-it", "Da lunedì **via Roma** è chiusa al traffico tra piazza Mercatale e via Magnolfi.\n\nDeviazioni indicate sul posto.");
        await editor.GetByTestId("save-and-submit").ClickAsync();

        await Assertions.Expect(editor).ToHaveURLAsync(BulletinUrl());
        var path = new Uri(editor.Url).AbsolutePath;
        await Assertions.Expect(editor.GetByTestId("bulletin-state")).ToHaveTextAsync("In traduzione");
        await Assertions.Expect(editor.GetByTestId("page-message")).ToHaveTextAsync("Il notiziario è stato inviato in traduzione.");
        await Assertions.Expect(editor.GetByTestId("translation-status").Locator("li[data-language=zh]")).ToContainTextAsync("richiesta da un canale, non ancora scritta");

        // The approver sees the approval blocked, with the missing Chinese text and the channel that needs it.
        var approver = await fixture.NewPageAsync(signInAs: Approver);
        await approver.GotoAsync(path);
        await Assertions.Expect(approver.GetByTestId("approve-bulletin")).ToBeDisabledAsync();
        var blockers = approver.GetByTestId("blockers");
        await Assertions.Expect(blockers).ToContainTextAsync("中文 (zh)");
        await Assertions.Expect(blockers).ToContainTextAsync("Un canale di questo notiziario richiede un testo in questa lingua.");
        await Assertions.Expect(blockers).ToContainTextAsync("richiesto da " + WeChat);
        await BrowserFixture.ScreenshotAsync(approver, "bulletin-approval-blocked");

        // The mediator writes the Chinese text (only that column is editable), saves it, and marks it reviewed.
        var mediator = await fixture.NewPageAsync(signInAs: Mediator);
        await mediator.GotoAsync("/console/bulletins");
        await mediator.GetByTestId("my-work").GetByRole(AriaRole.Link, new() { NameRegex = new Regex("In attesa della mia traduzione") }).ClickAsync();
        await mediator.GetByTestId("bulletins-table").GetByRole(AriaRole.Link, new() { Name = "Via Roma chiusa per lavori" }).ClickAsync();
        await Assertions.Expect(mediator.Locator("#title-it")).ToHaveAttributeAsync("readonly", "");
        await Assertions.Expect(mediator.Locator("#title-zh")).Not.ToHaveAttributeAsync("readonly", "");
        await Assertions.Expect(mediator.GetByTestId("review-zh")).ToBeDisabledAsync();
        await mediator.FillAsync("#title-zh", "罗马路因施工封闭");
        await mediator.FillAsync("#text-zh", "从周一起,**罗马路**在Mercatale广场和Magnolfi路之间禁止通行。\n\n现场设有绕行指示。");
        await mediator.GetByTestId("save-bulletin").ClickAsync();
        await Assertions.Expect(mediator.GetByTestId("page-message")).ToHaveTextAsync("Traduzione salvata. Segnalala come revisionata quando è definitiva.");
        await Assertions.Expect(mediator.Locator("#title-zh")).ToHaveValueAsync("罗马路因施工封闭");
        await BrowserFixture.ScreenshotAsync(mediator, "bulletin-translator");
        await mediator.GetByTestId("review-zh").ClickAsync();
        await Assertions.Expect(mediator.GetByTestId("bulletin-state")).ToHaveTextAsync("In attesa di approvazione");
        await Assertions.Expect(mediator.GetByTestId("body-state-zh")).ToContainTextAsync("Revisionata da Lin Wei");

        // The editor wrote it: the page says another approver must approve it, and offers no approval.
        await editor.ReloadAsync();
        await Assertions.Expect(editor.GetByTestId("bulletin-state")).ToHaveTextAsync("In attesa di approvazione");
        await Assertions.Expect(editor.GetByTestId("approve-author")).ToHaveTextAsync("Hai scritto tu questo notiziario: deve approvarlo un altro approvatore.");
        await Assertions.Expect(editor.GetByTestId("approve-form")).ToHaveCountAsync(0);

        // The approver approves "now": the page follows the sending by itself until the bulletin is sent.
        await approver.ReloadAsync();
        await Assertions.Expect(approver.GetByTestId("blockers")).ToHaveCountAsync(0);
        await Assertions.Expect(approver.Locator("#approve-now")).ToBeCheckedAsync();
        await approver.GetByTestId("approve-bulletin").ClickAsync();
        await Assertions.Expect(approver.GetByTestId("bulletin-state")).ToHaveTextAsync("Inviato", Broadcast);

        var id = Guid.Parse(path.Split('/')[^1]);
        await using var db = fixture.Database.CreateContext();
        var deliveries = await db.Deliveries.IgnoreQueryFilters().Where(d => d.PostId == id).ToListAsync();
        Assert.NotEmpty(deliveries);
        Assert.All(deliveries, d => Assert.True(d.State is DeliveryState.Sent or DeliveryState.Delivered or DeliveryState.Read, $"delivery {d.Id} is {d.State}"));
        var accepted = deliveries.Count(d => d.State is DeliveryState.Sent or DeliveryState.Delivered or DeliveryState.Read);
        await Assertions.Expect(approver.GetByTestId("progress-summary")).ToContainTextAsync($"{deliveries.Count} messaggi conclusi su {deliveries.Count} (100%)");
        await Assertions.Expect(approver.GetByTestId("count-queued")).ToHaveTextAsync("0");
        await Assertions.Expect(approver.GetByTestId("count-failed")).ToHaveTextAsync("0");
        var sent = int.Parse(await approver.GetByTestId("count-sent").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture)
            + int.Parse(await approver.GetByTestId("count-delivered").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture)
            + int.Parse(await approver.GetByTestId("count-read").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(accepted, sent);
        var channels = approver.GetByTestId("progress-channels");
        await Assertions.Expect(channels.Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(channels).ToContainTextAsync(WhatsApp);
        await Assertions.Expect(channels).ToContainTextAsync(WeChat);
        // Subscribers of ViaRoma101 read Chinese first: they got the Chinese text.
        Assert.Contains(deliveries, d => d.Language == "zh");

        // The history tells the whole story, in the organization's time and in Italian.
        var history = approver.GetByTestId("history");
        await Assertions.Expect(history).ToContainTextAsync("Inviato in traduzione.");
        await Assertions.Expect(history).ToContainTextAsync("Traduzione zh revisionata.");
        await Assertions.Expect(history).ToContainTextAsync("Tutte le traduzioni sono revisionate: in attesa di approvazione.");
        await Assertions.Expect(history).ToContainTextAsync("Da inviare subito.");
        await Assertions.Expect(history).ToContainTextAsync("Avviato all'invio:");
        await Assertions.Expect(history).ToContainTextAsync(Approver);
        await Assertions.Expect(history).ToContainTextAsync(Mediator);
        await Assertions.Expect(history.GetByTestId("history-step").Last).ToHaveTextAsync(new Regex("In invio\\s*→?\\s*a?\\s*Inviato"));
        await BrowserFixture.ScreenshotAsync(approver, "bulletin-sent");

        // The results fit a small phone too.
        await approver.SetViewportSizeAsync(375, 740);
        var overflowing = await BrowserFixture.OverflowingElementsAsync(approver);
        Assert.True(overflowing.Length == 0, $"the results scroll sideways on a 375px-wide phone: {string.Join(" > ", overflowing)}");
        await BrowserFixture.ScreenshotAsync(approver, "phone-bulletin-sent");
        await approver.SetViewportSizeAsync(1280, 900);

        // The list shows it as sent.
        await approver.GotoAsync("/console/bulletins?state=Sent");
        await Assertions.Expect(approver.GetByTestId("bulletins-table").Locator($"tr[data-bulletin-id='{id}'] [data-testid=state-badge]")).ToHaveTextAsync("Inviato");
    }

    [Fact]
    public async Task Bulletin_waiting_for_the_service_hours_is_followed_live_and_cancelling_it_keeps_the_queued_messages()
    {
        // Service hours only on the day after tomorrow: a routine bulletin released now waits with its messages queued.
        var rome = TimeZoneInfo.FindSystemTimeZoneById("Europe/Rome");
        var later = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, rome).AddDays(2);
        var day = later.DayOfWeek.ToString()[..3];
        var admin = await fixture.NewPageAsync(signInAs: Admin);
        await SetSendingPolicyAsync(admin, cap: "", hours: day + " 09:00-10:00", quiet: "");

        // WhatsApp needs no translation: sending it for translation takes it straight to approval.
        var editor = await fixture.NewPageAsync(signInAs: Editor);
        await editor.GotoAsync("/console/bulletins/new");
        await editor.SelectOptionAsync("#bulletin-topic", new SelectOptionValue { Label = "Rifiuti e raccolta differenziata" });
        await editor.ClickAsync("label[for=audience-everyone]");
        await TickChannelAsync(editor, WhatsApp);
        await editor.FillAsync("#title-it", "Raccolta degli ingombranti");
        await editor.FillAsync("#text-it", "Il ritiro degli ingombranti si prenota al numero verde.");
        await editor.GetByTestId("save-and-submit").ClickAsync();
        await Assertions.Expect(editor.GetByTestId("bulletin-state")).ToHaveTextAsync("In attesa di approvazione");
        await Assertions.Expect(editor.GetByTestId("page-message")).ToHaveTextAsync("Non serviva nessuna traduzione: il notiziario attende l'approvazione.");
        var path = new Uri(editor.Url).AbsolutePath;

        var approver = await fixture.NewPageAsync(signInAs: Approver);
        await approver.GotoAsync(path);
        await approver.GetByTestId("approve-bulletin").ClickAsync();

        // Released, waiting: the page follows the progress by itself (the rate comes from two readings), also when
        // it is reached through a link of the console (no full page load).
        await Assertions.Expect(approver.GetByTestId("bulletin-state")).ToHaveTextAsync("In invio", Broadcast);
        await approver.GotoAsync("/console/bulletins?state=Sending");
        await approver.GetByTestId("bulletins-table").GetByRole(AriaRole.Link, new() { Name = "Raccolta degli ingombranti" }).ClickAsync();
        await Assertions.Expect(approver).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
        await Assertions.Expect(approver.Locator("[data-progress-rate]")).ToHaveTextAsync("0", new() { Timeout = 15_000 });
        await Assertions.Expect(approver.Locator("[data-progress-eta]")).ToHaveTextAsync("—");
        var queued = await approver.GetByTestId("count-queued").InnerTextAsync();
        Assert.NotEqual("0", queued);
        await Assertions.Expect(approver.GetByTestId("history")).ToContainTextAsync("in attesa dell'orario di servizio fino a");
        var opens = new DateTime(later.Year, later.Month, later.Day, 9, 0, 0).ToString("ddd d MMM HH:mm", new System.Globalization.CultureInfo("it"));
        await Assertions.Expect(approver.GetByTestId("progress-waiting")).ToContainTextAsync("Per ora non parte nulla: i prossimi messaggi partiranno " + opens);
        await BrowserFixture.ScreenshotAsync(approver, "bulletin-sending");

        // Cancelling needs the box ticked; then nothing queued goes out.
        await approver.GetByTestId("cancel-bulletin").ClickAsync();
        await Assertions.Expect(approver.GetByTestId("page-message")).ToHaveTextAsync("Non è stato annullato nulla: prima conferma.");
        await Assertions.Expect(approver.Locator("#cancel-confirm")).ToHaveClassAsync(new Regex("is-invalid"));
        await approver.FillAsync("#cancel-note", "Il numero verde cambia: rinviato.");
        await approver.ClickAsync("label[for=cancel-confirm]");
        await approver.GetByTestId("cancel-bulletin").ClickAsync();
        await Assertions.Expect(approver.GetByTestId("bulletin-state")).ToHaveTextAsync("Annullato");
        await Assertions.Expect(approver.GetByTestId("count-queued")).ToHaveTextAsync("0");
        await Assertions.Expect(approver.GetByTestId("count-cancelled")).ToHaveTextAsync(queued);
        await Assertions.Expect(approver.GetByTestId("history")).ToContainTextAsync($"{queued} messaggi in coda annullati. Il numero verde cambia: rinviato.");

        var id = Guid.Parse(path.Split('/')[^1]);
        await using var db = fixture.Database.CreateContext();
        Assert.All(await db.Deliveries.IgnoreQueryFilters().Where(d => d.PostId == id).ToListAsync(), d => Assert.Equal(DeliveryState.Cancelled, d.State));
        await SetSendingPolicyAsync(admin, cap: "", hours: "", quiet: "");
    }

    [Fact]
    public async Task Preview_follows_the_typing_without_saving_and_warns_when_a_post_is_too_long()
    {
        var page = await fixture.NewPageAsync(signInAs: Editor);
        await page.GotoAsync("/console/bulletins/new");

        // No channel chosen yet: every platform is previewed.
        var cards = page.Locator("[data-preview-kind]:visible");
        await Assertions.Expect(cards).ToHaveCountAsync(7);
        var whatsapp = page.GetByTestId("preview-WhatsApp");

        await page.Locator("#title-it").PressSequentiallyAsync("Allerta caldo");
        await page.Locator("#text-it").PressSequentiallyAsync("Domani **temperature oltre i 38 gradi**: bevete molta acqua.");
        await Assertions.Expect(whatsapp.Locator("[data-preview-html] strong").Last).ToHaveTextAsync("temperature oltre i 38 gradi");
        await Assertions.Expect(whatsapp.Locator("[data-preview-html] strong").First).ToHaveTextAsync("Allerta caldo");
        Assert.EndsWith("/console/bulletins/new", page.Url, StringComparison.Ordinal);

        // A text longer than an X post: X's counter in red with a warning; Mastodon's counter still fits.
        var sentence = "Domani temperature oltre i 38 gradi nelle ore centrali: bevete molta acqua, evitate di uscire tra le 12 e le 17 e chiamate il 112 in caso di malore. ";
        await page.FillAsync("#text-it", sentence + sentence);
        var x = page.GetByTestId("preview-X");
        await Assertions.Expect(x.GetByTestId("preview-count-X")).ToHaveTextAsync(new Regex("^3\\d\\d / 280$"));
        await Assertions.Expect(x.GetByTestId("preview-count-X")).ToHaveClassAsync(new Regex("text-danger"));
        await Assertions.Expect(x.Locator("[data-preview-warning]")).ToBeVisibleAsync();
        await Assertions.Expect(x.Locator("[data-preview-warning]")).ToContainTextAsync("Troppo lungo per X");
        var mastodon = page.GetByTestId("preview-count-Mastodon");
        await Assertions.Expect(mastodon).ToBeVisibleAsync();
        await Assertions.Expect(mastodon).ToHaveTextAsync(new Regex("^3\\d\\d / 500$"));
        await Assertions.Expect(mastodon).Not.ToHaveClassAsync(new Regex("text-danger"));
        await Assertions.Expect(page.GetByTestId("preview-Mastodon").Locator("[data-preview-warning]")).ToBeHiddenAsync();
        await BrowserFixture.ScreenshotAsync(page, "bulletin-composer-preview");

        // Choosing channels narrows the preview to their platforms.
        await TickChannelAsync(page, WhatsApp);
        await Assertions.Expect(cards).ToHaveCountAsync(1);
        await Assertions.Expect(whatsapp).ToBeVisibleAsync();

        // Writing in Chinese previews the Chinese text.
        await page.Locator("#text-zh").PressSequentiallyAsync("明天,**高温**。");
        await Assertions.Expect(page.Locator("#preview-lang-zh")).ToBeCheckedAsync();
        await Assertions.Expect(whatsapp.Locator("[data-preview-html] strong")).ToHaveTextAsync("高温");

        // Nothing was saved while typing.
        await using var db = fixture.Database.CreateContext();
        Assert.False(await db.PostBodies.IgnoreQueryFilters().AnyAsync(b => b.Title == "Allerta caldo"));
    }

    [Fact]
    public async Task Without_javascript_the_composer_saves_and_renders_the_preview_on_the_server()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseAddress.ToString(), JavaScriptEnabled = false, Locale = "it-IT" });
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, Editor, BrowserFixture.Password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));
        await page.GotoAsync("/console/bulletins/new");
        await page.SelectOptionAsync("#bulletin-topic", new SelectOptionValue { Label = "Farmacie di turno" });
        await page.Locator("label[for=priority-urgent]").ClickAsync();
        await TickChannelAsync(page, WhatsApp);
        await page.FillAsync("#title-it", "Farmacia notturna");
        await page.FillAsync("#text-it", "Stanotte è aperta la **Farmacia Comunale 5**.");
        await page.GetByTestId("save-bulletin").ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/bulletins/[0-9a-f-]{36}\\?done=created$"));
        await Assertions.Expect(page.GetByTestId("bulletin-state")).ToHaveTextAsync("Bozza");
        await Assertions.Expect(page.GetByTestId("bulletin-priority")).ToHaveTextAsync("Urgente");
        await Assertions.Expect(page.GetByTestId("preview-WhatsApp").Locator("[data-preview-html] strong").Last).ToHaveTextAsync("Farmacia Comunale 5");
        await Assertions.Expect(page.GetByTestId("preview-Telegram")).ToBeHiddenAsync();

        // A draft never sent for translation can be deleted, after confirming.
        await page.GetByTestId("bulletin-delete").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByTestId("bulletin-delete")).ToContainTextAsync("Spunta la casella per confermare.");
        await page.ClickAsync("label[for=bulletin-delete-confirm]");
        await page.GetByTestId("bulletin-delete").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/bulletins\\?deleted=1$"));
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("La bozza è stata eliminata.");
    }

    [Fact]
    public async Task Editing_a_scheduled_bulletin_sends_it_back_to_review()
    {
        // The demo's festival bulletin waits for approval: the approver schedules it for tomorrow at 10:00.
        await using var db = fixture.Database.CreateContext();
        var festival = await db.PostBodies.IgnoreQueryFilters().Where(b => b.Language == "it" && b.Title == "Festa di quartiere al Macrolotto").Select(b => b.PostId).SingleAsync();
        var approver = await fixture.NewPageAsync(signInAs: Approver);
        await approver.GotoAsync($"/console/bulletins/{festival}");
        await Assertions.Expect(approver.GetByTestId("bulletin-state")).ToHaveTextAsync("In attesa di approvazione");
        var tomorrow = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Rome")).Date.AddDays(1).AddHours(10);
        await approver.ClickAsync("label[for=approve-later]");
        await approver.FillAsync("#approve-at", tomorrow.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await approver.GetByTestId("approve-bulletin").ClickAsync();
        await Assertions.Expect(approver.GetByTestId("bulletin-state")).ToHaveTextAsync("Programmato");
        await Assertions.Expect(approver.GetByTestId("scheduled-for")).ToContainTextAsync(tomorrow.ToString("dd/MM/yyyy", System.Globalization.CultureInfo.InvariantCulture) + " 10:00");
        await Assertions.Expect(approver.GetByTestId("history")).ToContainTextAsync("Da inviare il " + tomorrow.ToString("dd/MM/yyyy", System.Globalization.CultureInfo.InvariantCulture) + " 10:00.");

        // The author edits it: the page warns before saving, and the bulletin goes back to review.
        var editor = await fixture.NewPageAsync(signInAs: Editor);
        await editor.GotoAsync($"/console/bulletins/{festival}");
        await Assertions.Expect(editor.GetByTestId("save-note")).ToContainTextAsync("Questo notiziario è già approvato");
        await editor.FillAsync("#text-it", "Sabato dalle 16 in piazza dell'Immaginario: musica, cucina italiana e cinese, giochi per bambini. Ingresso libero. In caso di pioggia si rimanda a domenica.");
        await editor.GetByTestId("save-bulletin").ClickAsync();
        await Assertions.Expect(editor.GetByTestId("page-message")).ToContainTextAsync("è tornato in revisione");
        await Assertions.Expect(editor.GetByTestId("bulletin-state")).ToHaveTextAsync("In traduzione");
        await Assertions.Expect(editor.GetByTestId("history")).ToContainTextAsync("Modificato dopo l'approvazione: torna in revisione.");
        await Assertions.Expect(editor.GetByTestId("scheduled-for")).ToHaveCountAsync(0);
        // The Chinese text must be checked against the new Italian one.
        await Assertions.Expect(editor.GetByTestId("body-state-zh")).ToContainTextAsync("Non ancora revisionata.");

        var post = await db.Posts.IgnoreQueryFilters().AsNoTracking().SingleAsync(p => p.Id == festival);
        Assert.Equal(PostState.InTranslation, post.State);
        Assert.Null(post.ScheduledFor);
    }

    [Fact]
    public async Task A_text_changed_by_someone_else_meanwhile_is_not_overwritten()
    {
        await using var db = fixture.Database.CreateContext();
        var water = await db.PostBodies.IgnoreQueryFilters().Where(b => b.Language == "it" && b.Title == "Interruzione dell'acqua in via Pistoiese").Select(b => b.PostId).SingleAsync();
        var editor = await fixture.NewPageAsync(signInAs: Editor);
        await editor.GotoAsync($"/console/bulletins/{water}");
        var mediator = await fixture.NewPageAsync(signInAs: Mediator);
        await mediator.GotoAsync($"/console/bulletins/{water}");

        // The mediator improves the Chinese text while the editor's page is open with the old one.
        await mediator.FillAsync("#text-zh", "周四**8点至13点**,Pistoiese路(200号至400号)停水。\n\n请提前储水。");
        await mediator.GetByTestId("save-bulletin").ClickAsync();
        await Assertions.Expect(mediator.GetByTestId("page-message")).ToContainTextAsync("Traduzione salvata");

        // Saving the editor's untouched Chinese column keeps the mediator's text.
        await editor.FillAsync("#title-it", "Interruzione dell'acqua in via Pistoiese giovedì");
        await editor.GetByTestId("save-bulletin").ClickAsync();
        await Assertions.Expect(editor.GetByTestId("page-message")).ToHaveTextAsync("Modifiche salvate.");
        await Assertions.Expect(editor.Locator("#text-zh")).ToHaveValueAsync(new Regex("请提前储水"));

        // Changing it anyway is refused once, with the reason next to the field.
        await mediator.ReloadAsync();
        await editor.FillAsync("#text-zh", "另一个版本");
        await mediator.FillAsync("#text-zh", "第三个版本");
        await mediator.GetByTestId("save-bulletin").ClickAsync();
        await Assertions.Expect(mediator.GetByTestId("page-message")).ToContainTextAsync("Traduzione salvata");
        await editor.GetByTestId("save-bulletin").ClickAsync();
        await Assertions.Expect(editor.Locator("#text-zh ~ div .invalid-feedback, #text-zh-error .invalid-feedback")).ToContainTextAsync("Qualcun altro ha modificato questo testo");
        await Assertions.Expect(editor.Locator("#text-zh")).ToHaveValueAsync("另一个版本");
        var stored = await db.PostBodies.IgnoreQueryFilters().AsNoTracking().SingleAsync(b => b.PostId == water && b.Language == "zh");
        Assert.Equal("第三个版本", stored.Markdown);
    }

    [Fact]
    public async Task List_filters_by_state_and_shows_each_user_the_work_waiting_for_them()
    {
        var mediator = await fixture.NewPageAsync(signInAs: Mediator);
        await mediator.GotoAsync("/console");
        await mediator.Locator("nav.console-nav").GetByRole(AriaRole.Link, new() { Name = "Notiziari" }).ClickAsync();
        await Assertions.Expect(mediator.Locator("h1")).ToHaveTextAsync("Notiziari");
        await Assertions.Expect(mediator.GetByTestId("new-bulletin")).ToHaveCountAsync(0);
        await Assertions.Expect(mediator.GetByTestId("my-work")).ToContainTextAsync("In attesa della mia traduzione");
        var rows = mediator.GetByTestId("bulletins-table").Locator("tbody tr");
        Assert.True(await rows.CountAsync() >= 3);

        await mediator.GetByTestId("state-filter").GetByRole(AriaRole.Link, new() { Name = "Bozza", Exact = true }).ClickAsync();
        await Assertions.Expect(mediator).ToHaveURLAsync(new Regex("state=Draft$"));
        await Assertions.Expect(mediator.GetByTestId("state-filter").Locator("[aria-current=page]")).ToHaveTextAsync("Bozza");
        foreach (var badge in await rows.Locator("[data-testid=state-badge]").AllAsync())
        {
            await Assertions.Expect(badge).ToHaveTextAsync("Bozza");
        }

        await Assertions.Expect(mediator.GetByTestId("bulletins-table")).ToContainTextAsync("Farmacie di turno nel fine settimana");

        // The urgent water bulletin shows its priority; the editor has the button to write a new one.
        var editor = await fixture.NewPageAsync(signInAs: Editor);
        await editor.GotoAsync("/console/bulletins");
        await Assertions.Expect(editor.GetByTestId("new-bulletin")).ToBeVisibleAsync();
        await Assertions.Expect(editor.GetByTestId("bulletins-table").Locator("tr", new() { HasText = "Pistoiese" }).GetByTestId("priority-badge")).ToHaveTextAsync("Urgente");
        await BrowserFixture.ScreenshotAsync(editor, "bulletins");

        // The approver sees what waits for approval.
        var approver = await fixture.NewPageAsync(signInAs: Approver);
        await approver.GotoAsync("/console/bulletins");
        await Assertions.Expect(approver.GetByTestId("my-work")).ToContainTextAsync("In attesa della mia approvazione");
        await Assertions.Expect(approver.GetByTestId("new-bulletin")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Sending_policy_shows_errors_next_to_the_fields_and_is_read_only_for_editors()
    {
        var admin = await fixture.NewPageAsync(signInAs: Admin);
        await admin.GotoAsync("/console/organization");
        await admin.GetByTestId("sending-policy-link").GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(admin.Locator("h1")).ToHaveTextAsync("Politica di invio");
        await Assertions.Expect(admin.GetByTestId("policy-notes")).ToContainTextAsync("I notiziari di emergenza sono esclusi");
        await Assertions.Expect(admin.GetByTestId("policy-notes")).ToContainTextAsync("Europe/Rome");
        await Assertions.Expect(admin.Locator("#policy-hours")).ToHaveAttributeAsync("aria-describedby", new Regex("policy-hours-help"));

        var cap = await admin.Locator("#policy-cap").InputValueAsync();
        await admin.FillAsync("#policy-cap", "tanti");
        await admin.FillAsync("#policy-hours", "lun-ven 25:00-26:00");
        await admin.GetByTestId("save-policy").ClickAsync();
        await Assertions.Expect(admin.Locator("#policy-cap")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(admin.Locator("#policy-cap-error")).ToContainTextAsync("Scrivi un numero intero da 1 a 1000");
        await Assertions.Expect(admin.Locator("#policy-cap")).ToHaveValueAsync("tanti");

        await admin.FillAsync("#policy-cap", "4");
        await admin.GetByTestId("save-policy").ClickAsync();
        await Assertions.Expect(admin.Locator("#policy-hours")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(admin.Locator("#policy-hours-error")).ToContainTextAsync("Scrivi giorni e orari");

        // Italian day names are accepted.
        await admin.FillAsync("#policy-hours", "lun-ven 08:30-13:00 15:00-18:00; sab 09:00-12:00");
        await admin.FillAsync("#policy-quiet", "22:00-07:30");
        await admin.GetByTestId("save-policy").ClickAsync();
        await Assertions.Expect(admin.GetByTestId("page-message")).ToHaveTextAsync("La politica di invio è stata salvata.");
        await Assertions.Expect(admin.GetByTestId("summary-cap")).ToHaveTextAsync("4 messaggi ordinari al mese");
        await Assertions.Expect(admin.GetByTestId("summary-quiet")).ToHaveTextAsync("22:00-07:30");
        await Assertions.Expect(admin.Locator("#policy-hours")).ToHaveValueAsync(new Regex("08:30-13:00"));
        await BrowserFixture.ScreenshotAsync(admin, "sending-policy");

        var editor = await fixture.NewPageAsync(signInAs: Editor);
        await editor.GotoAsync("/console/sending-policy");
        await Assertions.Expect(editor.GetByTestId("read-only-notice")).ToBeVisibleAsync();
        await Assertions.Expect(editor.Locator("#policy-cap")).ToBeDisabledAsync();
        await Assertions.Expect(editor.GetByTestId("save-policy")).ToHaveCountAsync(0);

        // Put the demo's values back for the other tests.
        await SetSendingPolicyAsync(admin, cap, SendingPolicy.DefaultServiceHours, SendingPolicy.DefaultQuietHours);
    }

    [Fact]
    public async Task Composer_and_bulletin_page_fit_a_small_phone()
    {
        await using var db = fixture.Database.CreateContext();
        var water = await db.PostBodies.IgnoreQueryFilters().Where(b => b.Language == "it" && b.Title.StartsWith("Interruzione dell'acqua")).Select(b => b.PostId).FirstAsync();
        var page = await fixture.NewPageAsync(width: 375, height: 740, signInAs: Admin);
        (string Name, string Path)[] pages = [("list", "/console/bulletins"), ("composer", "/console/bulletins/new"), ("bulletin", $"/console/bulletins/{water}"), ("policy", "/console/sending-policy")];
        foreach (var (name, path) in pages)
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
            if (path.EndsWith("/new", StringComparison.Ordinal))
            {
                // A long word and a long text must wrap, not widen the page.
                await page.FillAsync("#title-it", "Precipitevolissimevolmente " + new string('a', 120));
                await page.FillAsync("#text-it", string.Concat(Enumerable.Repeat("Testo lungo con https://www.comune.prato.it/it/vivere-il-comune/notizie/un-indirizzo-molto-lungo ", 8)));
                await Assertions.Expect(page.GetByTestId("preview-count-X")).ToHaveClassAsync(new Regex("text-danger"));
            }

            await BrowserFixture.ScreenshotAsync(page, "phone-bulletins-" + name);
            var overflowing = await BrowserFixture.OverflowingElementsAsync(page);
            Assert.True(overflowing.Length == 0, $"{path} scrolls sideways on a 375px-wide phone: {string.Join(" > ", overflowing)}");
        }
    }

    private static async Task SetSendingPolicyAsync(IPage page, string cap, string hours, string quiet)
    {
        await page.GotoAsync("/console/sending-policy");
        await page.FillAsync("#policy-cap", cap);
        await page.FillAsync("#policy-hours", hours);
        await page.FillAsync("#policy-quiet", quiet);
        await page.GetByTestId("save-policy").ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("La politica di invio è stata salvata.");
    }

    /// <summary>Ticks a channel the way people do, by its label.</summary>
    private static async Task TickChannelAsync(IPage page, string name)
    {
        var choice = page.GetByTestId("channel-choices").Locator(".channel-choice", new() { HasText = name });
        await choice.Locator("label").ClickAsync();
        await Assertions.Expect(choice.Locator("input[type=checkbox]")).ToBeCheckedAsync();
    }

    [GeneratedRegex("/console/bulletins/[0-9a-f-]{36}(\\?.*)?$")]
    private static partial Regex BulletinUrl();
}
