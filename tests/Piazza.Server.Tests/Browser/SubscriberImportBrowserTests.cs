using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The console's list import in a real browser, against the demo municipality: a file with a bad row is
/// reported and nothing is written; a clean file is imported and its subscribers are listed.</summary>
public sealed class SubscriberImportBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";
    private const string Editor = "redazione@prato.demo";

    [Fact]
    public async Task Import_a_list_reports_a_bad_row_then_imports_a_clean_file_and_lists_its_subscribers()
    {
        await using var db = fixture.Database.CreateContext();
        var whatsapp = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Name == "WhatsPrato (sandbox)");
        var before = await db.Subscribers.IgnoreQueryFilters().CountAsync(s => s.ChannelId == whatsapp.Id);

        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync("/console/subscribers");
        await page.GetByTestId("import-list").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/subscribers/import$"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Importa un elenco");

        // The format, an example and a template to download; only channels of phone numbers are offered.
        await Assertions.Expect(page.GetByTestId("import-format")).ToContainTextAsync("consent_date");
        await Assertions.Expect(page.GetByTestId("import-example")).ToContainTextAsync("phone;languages;topics;consent_date;source");
        await Assertions.Expect(page.GetByTestId("import-example")).ToContainTextAsync("+393331234567;zh|it;acqua|allerta-meteo;2024-03-01;");
        await Assertions.Expect(page.Locator("#import-channel option")).ToHaveTextAsync(["WhatsPrato (sandbox)"]);
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("import-template").ClickAsync());
        var template = await File.ReadAllTextAsync(await download.PathAsync() ?? throw new InvalidOperationException("no download"), Encoding.UTF8);
        Assert.StartsWith("phone;languages;topics;consent_date;source", template.TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.Contains("acqua|allerta-meteo", template, StringComparison.Ordinal);

        // A file with a number without its country code: reported by row, nothing to import.
        await page.FillAsync("#import-policy", "informativa-2024-03");
        await page.FillAsync("#import-source", "Lista WhatsApp dell'URP");
        await page.SetInputFilesAsync("#import-file", new FilePayload
        {
            Name = "lista-urp.csv",
            MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes("phone;languages;topics;consent_date;source\n+393339990001;zh|it;acqua|民防;01/03/2024;mercato\n3339990002;it;Scuole;02/03/2024;\n+393339990003;it;*;03/03/2024;\n"),
        });
        await page.GetByTestId("check-file").ClickAsync();
        var report = page.GetByTestId("import-report");
        await Assertions.Expect(report.Locator("h2")).ToHaveTextAsync("Controllo di \"lista-urp.csv\"");
        await Assertions.Expect(page.GetByTestId("rows-read")).ToHaveTextAsync("3");
        await Assertions.Expect(page.GetByTestId("rows-bad")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByTestId("import-refused")).ToContainTextAsync("Non è stato scritto nulla");
        var problem = page.GetByTestId("import-problems").Locator("tbody tr");
        await Assertions.Expect(problem).ToHaveCountAsync(1);
        await Assertions.Expect(problem.Locator("th")).ToHaveTextAsync("3");
        await Assertions.Expect(problem.Locator("td").Nth(0)).ToHaveTextAsync("phone");
        await Assertions.Expect(problem.Locator("td").Nth(1)).ToContainTextAsync("prefisso internazionale");
        await Assertions.Expect(page.GetByTestId("run-import")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "subscribers-import-problems");
        Assert.Equal(before, await db.Subscribers.IgnoreQueryFilters().CountAsync(s => s.ChannelId == whatsapp.Id));

        // The corrected file: clean, the form kept what was typed, one button imports it.
        await Assertions.Expect(page.Locator("#import-policy")).ToHaveValueAsync("informativa-2024-03");
        await page.SetInputFilesAsync("#import-file", new FilePayload
        {
            Name = "lista-urp.csv",
            MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes("phone;languages;topics;consent_date;source\n+393339990001;zh|it;acqua|民防;01/03/2024;mercato\n+393339990002;it;Scuole;02/03/2024;\n+393339990003;it;*;03/03/2024;\n"),
        });
        await page.GetByTestId("check-file").ClickAsync();
        await Assertions.Expect(page.GetByTestId("import-clean")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("rows-bad")).ToHaveTextAsync("0");
        await Assertions.Expect(page.GetByTestId("rows-to-import")).ToHaveTextAsync("3");
        await Assertions.Expect(page.GetByTestId("run-import")).ToHaveTextAsync("Importa 3 iscritti");
        Assert.Equal(before, await db.Subscribers.IgnoreQueryFilters().CountAsync(s => s.ChannelId == whatsapp.Id));
        await BrowserFixture.ScreenshotAsync(page, "subscribers-import");

        await page.GetByTestId("run-import").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/console/subscribers\\?channel={whatsapp.Id}&imported=3$"));
        await Assertions.Expect(page.GetByTestId("page-message")).ToHaveTextAsync("3 iscritti importati.");
        var imported = await db.Subscribers.IgnoreQueryFilters().Include(s => s.Topics)
            .Where(s => s.ChannelId == whatsapp.Id && s.Address.StartsWith("+39333999000")).OrderBy(s => s.Address).ToListAsync();
        Assert.Equal(3, imported.Count);
        Assert.All(imported, s =>
        {
            Assert.Equal(ConsentMethod.Import, s.ConsentMethod);
            Assert.Equal("informativa-2024-03", s.PolicyVersion);
            Assert.StartsWith("Imported from the list \"lista-urp.csv\", row ", s.ConsentEvidence, StringComparison.Ordinal);
        });
        Assert.Equal(["mercato", "Lista WhatsApp dell'URP", "Lista WhatsApp dell'URP"], imported.Select(s => s.Source));
        Assert.Equal(2, imported[0].Topics.Count);
        Assert.Equal(11, imported[2].Topics.Count);
        Assert.Equal(before + 3, await db.Subscribers.IgnoreQueryFilters().CountAsync(s => s.ChannelId == whatsapp.Id));
        Assert.False(await db.SubscriberImportFiles.IgnoreQueryFilters().AnyAsync());

        // The list shows them (newest first), with their masked numbers.
        var table = page.GetByTestId("subscribers-table");
        foreach (var s in imported)
        {
            var row = table.Locator($"tr[data-subscriber-id='{s.Id}']");
            await Assertions.Expect(row).ToHaveCountAsync(1);
            await Assertions.Expect(row.Locator("th")).ToHaveTextAsync(SubscriberService.Mask(Piazza.Channels.ChannelKind.WhatsApp, s.Address));
        }

        await BrowserFixture.ScreenshotAsync(page, "subscribers-imported");

        // Their consent record says where they came from.
        await table.Locator($"tr[data-subscriber-id='{imported[0].Id}'] a").ClickAsync();
        await Assertions.Expect(page.GetByTestId("consent")).ToContainTextAsync("Importato da un elenco precedente");
        await Assertions.Expect(page.GetByTestId("consent")).ToContainTextAsync("informativa-2024-03");
    }

    [Fact]
    public async Task Import_is_offered_only_to_staff_who_may_add_subscribers()
    {
        var page = await fixture.NewPageAsync(signInAs: Editor);
        await page.GotoAsync("/console/subscribers");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Iscritti");
        await Assertions.Expect(page.GetByTestId("import-list")).ToHaveCountAsync(0);
        await page.GotoAsync("/console/subscribers/import");
        await Assertions.Expect(page.GetByTestId("import-not-allowed")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("import-form")).ToHaveCountAsync(0);
    }
}
