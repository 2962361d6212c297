using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The civil protection ends an alert from the console, and the public site stops pinning it: the demo's current
/// emergency, ended with "Termina ora" on its bulletin page by the civil protection's editor.</summary>
public sealed class EmergencyEndBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Ending_an_alert_in_the_console_takes_it_off_the_top_of_the_public_site()
    {
        var citizen = await fixture.NewPageAsync(width: 390, height: 844);
        await citizen.GotoAsync("/prato-demo/it");
        var pinnedLink = citizen.GetByTestId("pinned").GetByRole(AriaRole.Link, new() { Name = "Allerta arancione per rischio idrogeologico" });
        var href = await pinnedLink.GetAttributeAsync("href");
        var id = Regex.Match(href!, "bulletins/([0-9a-f-]{36})$").Groups[1].Value;

        var staff = await fixture.NewPageAsync(signInAs: "protezionecivile@prato.demo");
        await staff.GotoAsync($"/console/bulletins/{id}");
        var expiry = staff.GetByTestId("expiry");
        await Assertions.Expect(expiry).ToContainTextAsync("In vigore fino al");
        await BrowserFixture.ScreenshotAsync(staff, "console-bulletin-validity");
        await expiry.GetByTestId("end-now").ClickAsync();
        await Assertions.Expect(staff.GetByText("Il bollettino non è più in vigore")).ToBeVisibleAsync();
        await Assertions.Expect(staff.GetByTestId("expiry-now")).ToContainTextAsync("Terminato il");
        await Assertions.Expect(staff.Locator("table").Last).ToContainTextAsync("Terminato ora: non più in vigore.");

        await citizen.ReloadAsync();
        await Assertions.Expect(citizen.GetByTestId("pinned")).ToHaveCountAsync(0);
        await citizen.GotoAsync(href!);
        await Assertions.Expect(citizen.GetByTestId("validity")).ToContainTextAsync("Questa allerta è terminata il");
        await Axe.AssertAccessibleAsync(citizen, "an alert that is over");
    }
}
