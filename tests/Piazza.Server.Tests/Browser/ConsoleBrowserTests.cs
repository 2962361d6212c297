using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The staff console in a real browser, as a communication office uses it.</summary>
public sealed partial class ConsoleBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";

    [Fact]
    public async Task Demo_admin_signs_in_creates_a_topic_in_Italian_and_Chinese_and_sees_it_listed()
    {
        var page = await fixture.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                consoleErrors.Add(m.Text);
            }
        };

        await page.GotoAsync("/console");
        await Assertions.Expect(page).ToHaveURLAsync(SignInUrl());
        await BrowserFixture.ScreenshotAsync(page, "01-sign-in");
        await BrowserFixture.SignInAsync(page, Admin, BrowserFixture.Password);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Comune di Prato (demo)");
        await BrowserFixture.ScreenshotAsync(page, "02-overview");

        // Bootstrap Italia is really loaded: its font and its header styles apply.
        var font = await page.EvaluateAsync<string>("getComputedStyle(document.body).fontFamily");
        Assert.Contains("Titillium", font, StringComparison.Ordinal);
        var fontLoaded = await page.EvaluateAsync<bool>("async () => { await document.fonts.ready; return [...document.fonts].some(f => f.family.includes('Titillium') && f.status === 'loaded'); }");
        Assert.True(fontLoaded, "The Titillium Web font file was not downloaded from /lib/bootstrap-italia/fonts.");
        var headerColor = await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.it-header-slim-wrapper')).backgroundColor");
        Assert.NotEqual("rgba(0, 0, 0, 0)", headerColor);

        await page.GetByRole(AriaRole.Link, new() { Name = "Argomenti" }).First.ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Argomenti");
        await page.FillAsync("#topic-key", "mercato-contadino");
        await page.FillAsync("#topic-name-it", "Mercato contadino");
        await page.FillAsync("#topic-name-zh", "农贸市场");
        await page.SelectOptionAsync("#topic-office", new SelectOptionValue { Label = "Ufficio Comunicazione e Stampa" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea argomento" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("page-message")).ToContainTextAsync("Mercato contadino");
        var row = page.GetByTestId("topics-table").Locator("tr", new() { HasText = "mercato-contadino" });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("Mercato contadino");
        await Assertions.Expect(row).ToContainTextAsync("农贸市场");
        await Assertions.Expect(row).ToContainTextAsync("Ufficio Comunicazione e Stampa");

        // Still there after a full reload: it was saved, not just rendered.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("topics-table").Locator("tr", new() { HasText = "农贸市场" })).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, "03-topics");
        Assert.Empty(consoleErrors);
    }

    [Fact]
    public async Task Invalid_topic_shows_the_errors_next_to_the_fields_and_saves_nothing()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/topics");
        var rowsBefore = await page.GetByTestId("topics-table").Locator("tbody tr").CountAsync();

        await page.FillAsync("#topic-key", "Not A Key!");
        await page.FillAsync("#topic-name-zh", "只有中文");
        await page.GetByRole(AriaRole.Button, new() { Name = "Crea argomento" }).ClickAsync();

        await Assertions.Expect(page.Locator("#topic-key")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.Locator("#topic-name-it")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.Locator(".invalid-feedback").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveClassAsync(new Regex("alert-danger"));
        await BrowserFixture.ScreenshotAsync(page, "04-topic-validation");

        await page.GotoAsync("/console/topics");
        await Assertions.Expect(page.GetByTestId("topics-table").Locator("tbody tr")).ToHaveCountAsync(rowsBefore);
    }

    [Fact]
    public async Task Wrong_password_is_refused_politely_and_the_console_stays_closed()
    {
        var page = await fixture.NewPageAsync();
        await BrowserFixture.SignInAsync(page, "redazione@prato.demo", "not-the-password");
        await Assertions.Expect(page.GetByTestId("page-message")).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveURLAsync(SignInUrl());
        var response = await page.GotoAsync("/console/topics");
        Assert.NotNull(response);
        await Assertions.Expect(page).ToHaveURLAsync(SignInUrl());
    }

    [Fact]
    public async Task Console_switches_to_English_and_fits_a_small_phone()
    {
        var page = await fixture.NewPageAsync(width: 375, height: 740, signInAs: Admin);
        await page.GotoAsync("/console/culture/en?returnUrl=%2Fconsole%2Ftopics");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Topics");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create topic" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "05-topics-phone-en");
        var overflowing = await BrowserFixture.OverflowingElementsAsync(page);
        Assert.True(overflowing.Length == 0, "The topics page scrolls sideways on a 375px-wide phone because of: " + string.Join(", ", overflowing));
    }

    private static Regex SignInUrl() => SignInRegex();

    [GeneratedRegex("/console/sign-in")]
    private static partial Regex SignInRegex();
}
