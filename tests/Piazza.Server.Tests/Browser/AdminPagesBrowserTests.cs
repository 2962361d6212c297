using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The administration pages (organization, offices, users, topic editing) in a real browser, in Italian.</summary>
public sealed partial class AdminPagesBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";
    private const string Editor = "redazione@prato.demo";

    [Fact]
    public async Task Admin_changes_the_population_and_adds_a_population_group_that_is_still_there_after_reload()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/organization");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Ente");
        var groups = page.GetByTestId("population-groups").Locator("tbody tr");
        var before = await groups.CountAsync();

        await page.FillAsync("#org-population", "201450");
        await page.GetByTestId("add-group").ClickAsync();
        await Assertions.Expect(groups).ToHaveCountAsync(before + 1);
        // The typed population survives adding a row: adding rows only re-renders the form, it saves nothing.
        await Assertions.Expect(page.Locator("#org-population")).ToHaveValueAsync("201450");
        await page.FillAsync($"#group-name-{before}", "Comunità pakistana");
        await page.FillAsync($"#group-language-{before}", "ur");
        await page.FillAsync($"#group-size-{before}", "1800");
        await page.GetByTestId("save-organization").ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("I dati dell'ente sono stati salvati.");
        await BrowserFixture.ScreenshotAsync(page, "organization");

        await page.GotoAsync("/console/organization");
        await Assertions.Expect(page.Locator("#org-population")).ToHaveValueAsync("201450");
        await Assertions.Expect(groups).ToHaveCountAsync(before + 1);
        var index = await IndexOfGroupAsync(page, "Comunità pakistana");
        await Assertions.Expect(page.Locator($"#group-language-{index}")).ToHaveValueAsync("ur");
        await Assertions.Expect(page.Locator($"#group-size-{index}")).ToHaveValueAsync("1800");

        // The overview shows the new figure, formatted the Italian way.
        await page.GotoAsync("/console");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("201.450");
    }

    [Fact]
    public async Task Unknown_time_zone_is_shown_next_to_the_field_and_nothing_is_saved()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/organization");
        var name = await page.Locator("#org-name").InputValueAsync();
        var zone = await page.Locator("#org-time-zone").InputValueAsync();
        var population = await page.Locator("#org-population").InputValueAsync();

        await page.FillAsync("#org-name", "Comune che non deve cambiare");
        await page.FillAsync("#org-population", "5");
        await page.FillAsync("#org-time-zone", "Europe/Atlantide");
        await page.GetByTestId("save-organization").ClickAsync();

        await Assertions.Expect(page.Locator("#org-time-zone")).ToHaveClassAsync(new Regex("is-invalid"));
        var error = page.Locator("#org-time-zone ~ .invalid-feedback");
        await Assertions.Expect(error).ToBeVisibleAsync();
        await Assertions.Expect(error).ToHaveTextAsync("Fuso orario non riconosciuto (ad esempio Europe/Rome).");
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveClassAsync(new Regex("alert-danger"));
        // What was typed is still there to correct.
        await Assertions.Expect(page.Locator("#org-time-zone")).ToHaveValueAsync("Europe/Atlantide");
        await BrowserFixture.ScreenshotAsync(page, "organization-invalid-time-zone");

        await page.GotoAsync("/console/organization");
        await Assertions.Expect(page.Locator("#org-name")).ToHaveValueAsync(name);
        await Assertions.Expect(page.Locator("#org-time-zone")).ToHaveValueAsync(zone);
        await Assertions.Expect(page.Locator("#org-population")).ToHaveValueAsync(population);
    }

    [Fact]
    public async Task An_editor_sees_the_organization_read_only_and_the_server_refuses_a_forced_save()
    {
        var page = await fixture.NewPageAsync(signInAs: Editor);
        await page.GotoAsync("/console/organization");
        await Assertions.Expect(page.GetByTestId("read-only-notice")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("save-organization")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#org-name")).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByTestId("add-language")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#org-population")).ToBeDisabledAsync();
        await BrowserFixture.ScreenshotAsync(page, "organization-read-only");

        // Someone who re-enables the fields in the browser still cannot save: the server checks the role.
        await page.EvaluateAsync("""
            () => {
                const form = document.querySelector('[data-testid=organization-form]');
                form.querySelector('fieldset').disabled = false;
                form.querySelector('#org-name').value = 'Comune modificato dalla redazione';
                form.requestSubmit(form.querySelector('button[value=save]'));
            }
            """);
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Non hai i permessi per farlo.");

        // Nor can they add staff.
        await page.GotoAsync("/console/users");
        await Assertions.Expect(page.GetByTestId("users-table")).ToContainTextAsync("admin@prato.demo");
        await Assertions.Expect(page.GetByTestId("new-user-form")).ToHaveCountAsync(0);

        var admin = await fixture.NewPageAsync(signInAs: Admin);
        await admin.GotoAsync("/console/organization");
        await Assertions.Expect(admin.Locator("#org-name")).ToHaveValueAsync("Comune di Prato (demo)");
    }

    [Fact]
    public async Task Admin_creates_an_office_renames_it_and_deletes_it_only_after_confirming()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/offices");
        await page.FillAsync("#office-name", "Ufficio Sport");
        await page.FillAsync("#office-email", "sport@prato.demo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea ufficio" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("Ufficio \"Ufficio Sport\" creato.");
        var table = page.GetByTestId("offices-table");
        await Assertions.Expect(table.Locator("tr", new() { HasText = "sport@prato.demo" })).ToContainTextAsync("Ufficio Sport");
        await BrowserFixture.ScreenshotAsync(page, "offices");

        await table.GetByRole(AriaRole.Link, new() { Name = "Ufficio Sport", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("office-title")).ToHaveTextAsync("Ufficio Sport");
        await page.FillAsync("#office-name", "Ufficio Sport e Tempo Libero");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salva" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("L'ufficio è stato salvato.");
        await Assertions.Expect(page.GetByTestId("office-title")).ToHaveTextAsync("Ufficio Sport e Tempo Libero");
        var officeUrl = page.Url;

        // The name must stay unique.
        await page.FillAsync("#office-name", "Protezione Civile");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salva" }).ClickAsync();
        await Assertions.Expect(page.Locator("#office-name ~ .invalid-feedback")).ToHaveTextAsync("Un altro ufficio ha già questo nome.");

        await page.GotoAsync("/console/offices");
        await Assertions.Expect(table.Locator("tr", new() { HasText = "sport@prato.demo" })).ToContainTextAsync("Ufficio Sport e Tempo Libero");

        // Deleting needs the check box; without it nothing happens.
        await page.GotoAsync(officeUrl);
        var delete = page.GetByTestId("delete-office");
        await delete.GetByRole(AriaRole.Button, new() { Name = "Elimina ufficio" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("delete-office").Locator(".invalid-feedback")).ToHaveTextAsync("Spunta la casella per confermare.");
        await page.GotoAsync("/console/offices");
        await Assertions.Expect(table.Locator("tr", new() { HasText = "sport@prato.demo" })).ToHaveCountAsync(1);

        await page.GotoAsync(officeUrl);
        await TickAsync(delete, "Confermo di voler eliminare questo ufficio");
        await delete.GetByRole(AriaRole.Button, new() { Name = "Elimina ufficio" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/offices\\?deleted=1$"));
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("L'ufficio è stato eliminato.");
        await Assertions.Expect(table.Locator("tr", new() { HasText = "sport@prato.demo" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_office_with_topics_is_not_deleted_and_the_reason_is_shown()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/offices");
        await page.GetByTestId("offices-table").GetByRole(AriaRole.Link, new() { Name = "Protezione Civile", Exact = true }).ClickAsync();
        var delete = page.GetByTestId("delete-office");
        await TickAsync(delete, "Confermo di voler eliminare questo ufficio");
        await delete.GetByRole(AriaRole.Button, new() { Name = "Elimina ufficio" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("L'ufficio non è stato eliminato.");
        var reason = delete.Locator(".invalid-feedback");
        await Assertions.Expect(reason).ToContainTextAsync("Questo ufficio ha degli argomenti: assegnali prima a un altro ufficio.");
        await Assertions.Expect(reason).ToContainTextAsync("Alcuni utenti hanno un ruolo in questo ufficio");
        await Assertions.Expect(page.GetByTestId("office-title")).ToHaveTextAsync("Protezione Civile");
        await BrowserFixture.ScreenshotAsync(page, "office-delete-refused");
        await page.GotoAsync("/console/offices");
        await Assertions.Expect(page.GetByTestId("offices-table").GetByRole(AriaRole.Link, new() { Name = "Protezione Civile", Exact = true })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Admin_creates_a_Chinese_translator_who_can_sign_in_with_the_one_time_password()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/users");
        await BrowserFixture.ScreenshotAsync(page, "users");
        await page.FillAsync("#user-email", "traduttore.zh@prato.demo");
        await page.FillAsync("#user-name", "Chen Hui (mediatore culturale)");
        await page.SelectOptionAsync("#role-0", "translator");
        await page.SelectOptionAsync("#role-office-0", new SelectOptionValue { Label = "Ufficio Immigrazione e Cittadinanza" });
        await page.SelectOptionAsync("#role-language-0", "zh");
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea utente" }).ClickAsync();

        var password = page.GetByTestId("one-time-password");
        await Assertions.Expect(password).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("user-created")).ToContainTextAsync("traduttore.zh@prato.demo");
        var row = page.GetByTestId("users-table").Locator("tr", new() { HasText = "traduttore.zh@prato.demo" });
        await Assertions.Expect(row).ToContainTextAsync("Chen Hui (mediatore culturale)");
        await Assertions.Expect(row).ToContainTextAsync("Traduttore · ZH · Ufficio Immigrazione e Cittadinanza");
        await Assertions.Expect(row).ToContainTextAsync("Attivo");
        await BrowserFixture.ScreenshotAsync(page, "user-created");
        var oneTime = (await password.TextContentAsync())!.Trim();
        Assert.Matches(PasswordRegex(), oneTime);

        // Shown once: a new visit to the list does not show it again.
        await page.GotoAsync("/console/users");
        await Assertions.Expect(page.GetByTestId("one-time-password")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("users-table")).ToContainTextAsync("traduttore.zh@prato.demo");

        var translator = await fixture.NewPageAsync();
        await BrowserFixture.SignInAsync(translator, "traduttore.zh@prato.demo", oneTime);
        await Assertions.Expect(translator.GetByTestId("current-user")).ToHaveTextAsync("Chen Hui (mediatore culturale)");
    }

    [Fact]
    public async Task A_translator_without_a_language_is_refused_next_to_the_role()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/users");
        await page.FillAsync("#user-email", "senza.lingua@prato.demo");
        await page.FillAsync("#user-name", "Senza Lingua");
        await page.GetByTestId("add-role").ClickAsync();
        await page.SelectOptionAsync("#role-1", "translator");
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea utente" }).ClickAsync();

        await Assertions.Expect(page.Locator("#role-language-1")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.Locator("#role-language-1 ~ .invalid-feedback")).ToHaveTextAsync("Un traduttore deve avere la lingua in cui traduce.");
        await Assertions.Expect(page.GetByTestId("one-time-password")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#user-email")).ToHaveValueAsync("senza.lingua@prato.demo");
        await page.GotoAsync("/console/users");
        await Assertions.Expect(page.GetByTestId("users-table")).Not.ToContainTextAsync("senza.lingua@prato.demo");
    }

    [Fact]
    public async Task Admin_resets_a_password_after_confirming_and_only_the_new_one_works()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/users");
        await page.GetByTestId("users-table").GetByRole(AriaRole.Link, new() { Name = "Paolo Verdi (capo ufficio stampa)", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-title")).ToHaveTextAsync("Paolo Verdi (capo ufficio stampa)");
        var reset = page.GetByTestId("reset-password");
        await reset.GetByRole(AriaRole.Button, new() { Name = "Reimposta password" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("reset-password").Locator(".invalid-feedback")).ToHaveTextAsync("Spunta la casella per confermare.");
        await Assertions.Expect(page.GetByTestId("one-time-password")).ToHaveCountAsync(0);

        await TickAsync(reset, "Confermo di voler reimpostare la password");
        await reset.GetByRole(AriaRole.Button, new() { Name = "Reimposta password" }).ClickAsync();
        var password = page.GetByTestId("one-time-password");
        await Assertions.Expect(password).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "user-password-reset");
        var newPassword = (await password.TextContentAsync())!.Trim();
        Assert.Matches(PasswordRegex(), newPassword);

        var old = await fixture.NewPageAsync();
        await BrowserFixture.SignInAsync(old, "approvazione@prato.demo", BrowserFixture.Password);
        await Assertions.Expect(old.GetByTestId("page-message")).ToHaveClassAsync(new Regex("alert-danger"));

        var approver = await fixture.NewPageAsync();
        await BrowserFixture.SignInAsync(approver, "approvazione@prato.demo", newPassword);
        await Assertions.Expect(approver.GetByTestId("current-user")).ToHaveTextAsync("Paolo Verdi (capo ufficio stampa)");
    }

    [Fact]
    public async Task Admin_cannot_delete_their_own_account_and_sees_why()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/users");
        await page.GetByTestId("users-table").GetByRole(AriaRole.Link, new() { Name = "Giulia Bianchi (amministratrice)", Exact = true }).ClickAsync();
        var delete = page.GetByTestId("delete-user");
        await TickAsync(delete, "Confermo di voler eliminare questo utente");
        await delete.GetByRole(AriaRole.Button, new() { Name = "Elimina utente" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("L'utente non è stato eliminato.");
        await Assertions.Expect(delete.Locator(".invalid-feedback")).ToHaveTextAsync("Non puoi eliminare il tuo account.");
        await Assertions.Expect(page.GetByTestId("user-title")).ToHaveTextAsync("Giulia Bianchi (amministratrice)");

        // Nor take away the last administrator's role.
        await page.SelectOptionAsync("#role-0", "editor");
        await page.GetByTestId("save-user").ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveClassAsync(new Regex("alert-danger"));
        await Assertions.Expect(page.Locator(".invalid-feedback", new() { HasText = "ultimo amministratore attivo" })).ToBeVisibleAsync();
        await page.GotoAsync(page.Url);
        await Assertions.Expect(page.Locator("#role-0")).ToHaveValueAsync("admin");
    }

    [Fact]
    public async Task Admin_edits_a_topic_s_Chinese_name()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/topics");
        var row = page.GetByTestId("topics-table").Locator("tr", new() { HasText = "acqua" });
        await row.GetByRole(AriaRole.Link, new() { Name = "Modifica" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("topic-title")).ToHaveTextAsync("Acqua");
        await Assertions.Expect(page.Locator("#topic-name-zh")).ToHaveValueAsync("供水");

        await page.FillAsync("#topic-name-zh", "饮用水供应");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salva" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("L'argomento è stato salvato.");
        await Assertions.Expect(page.Locator("#topic-name-zh")).ToHaveValueAsync("饮用水供应");
        await BrowserFixture.ScreenshotAsync(page, "topic-edit");

        await page.GotoAsync("/console/topics");
        await Assertions.Expect(row).ToContainTextAsync("饮用水供应");
        await Assertions.Expect(row).Not.ToContainTextAsync("供水");
        await Assertions.Expect(row).ToContainTextAsync("Acqua");
        await Assertions.Expect(row).ToContainTextAsync("Attivo");

        // Unticking "citizens can subscribe" deactivates it (an unticked box posts nothing), ticking it again reactivates it.
        await row.GetByRole(AriaRole.Link, new() { Name = "Modifica" }).ClickAsync();
        await Assertions.Expect(page.Locator("#topic-active")).ToBeCheckedAsync();
        await page.Locator("label[for=topic-active]").ClickAsync(); // Bootstrap Italia draws the box on the label
        await page.GetByRole(AriaRole.Button, new() { Name = "Salva" }).ClickAsync();
        await Assertions.Expect(page.Locator("#topic-active")).Not.ToBeCheckedAsync();
        await page.GotoAsync("/console/topics");
        await Assertions.Expect(row).ToContainTextAsync("Non attivo");
        await row.GetByRole(AriaRole.Link, new() { Name = "Modifica" }).ClickAsync();
        await Assertions.Expect(page.Locator("#topic-active")).Not.ToBeCheckedAsync();
        await page.Locator("label[for=topic-active]").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salva" }).ClickAsync();
        await page.GotoAsync("/console/topics");
        await Assertions.Expect(row).Not.ToContainTextAsync("Non attivo");
    }

    [Fact]
    public async Task Admin_deletes_a_topic_after_confirming()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/topics");
        await page.FillAsync("#topic-key", "da-eliminare");
        await page.FillAsync("#topic-name-it", "Argomento da eliminare");
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea argomento" }).ClickAsync();
        var row = page.GetByTestId("topics-table").Locator("tr", new() { HasText = "da-eliminare" });
        await row.GetByRole(AriaRole.Link, new() { Name = "Modifica" }).ClickAsync();

        var delete = page.GetByTestId("delete-topic");
        await TickAsync(delete, "Confermo di voler eliminare questo argomento");
        await delete.GetByRole(AriaRole.Button, new() { Name = "Elimina argomento" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/topics\\?deleted=1$"));
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("L'argomento è stato eliminato.");
        await Assertions.Expect(row).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Administration_pages_fit_a_small_phone()
    {
        var page = await fixture.NewPageAsync(width: 375, height: 740, signInAs: Admin);
        await page.GotoAsync("/console/users");
        var userPath = await page.GetByTestId("users-table").GetByRole(AriaRole.Link, new() { Name = "Lin Wei (mediatrice culturale)", Exact = true }).GetAttributeAsync("href");
        await page.GotoAsync("/console/offices");
        var officePath = await page.GetByTestId("offices-table").GetByRole(AriaRole.Link).First.GetAttributeAsync("href");
        string[] paths = ["/console/organization", "/console/offices", officePath!, "/console/users", userPath!];
        for (var i = 0; i < paths.Length; i++)
        {
            var path = paths[i];
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, $"phone-{i + 1}-{path.Split('/')[2]}");
            var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1");
            if (overflow)
            {
                var wide = await page.EvaluateAsync<string>("""
                    () => [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                            && (!e.closest('.table-responsive') || ['absolute', 'fixed'].includes(getComputedStyle(e).position)))
                        .slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')
                    """);
                Assert.Fail($"{path} scrolls sideways on a 375px-wide phone: {wide}");
            }
        }
    }

    /// <summary>Ticks a check box the way people do, by its label (Bootstrap Italia draws the box on the label).</summary>
    private static async Task TickAsync(ILocator scope, string label)
    {
        await scope.Locator("label", new() { HasText = label }).ClickAsync();
        await Assertions.Expect(scope.GetByLabel(label)).ToBeCheckedAsync();
    }

    private static async Task<int> IndexOfGroupAsync(IPage page, string name)
    {
        var count = await page.GetByTestId("population-groups").Locator("tbody tr").CountAsync();
        for (var i = 0; i < count; i++)
        {
            if (await page.Locator($"#group-name-{i}").InputValueAsync() == name)
            {
                return i;
            }
        }

        Assert.Fail($"No population group named {name}.");
        return -1;
    }

    [GeneratedRegex("^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}-[A-Za-z0-9]{9}$")]
    private static partial Regex PasswordRegex();
}
