using Microsoft.Playwright;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The citizen phone: staff play a citizen on the demo's sandbox WhatsApp channel; the message goes through
/// the simulator, the real webhook and the inbound processor, and the answer comes back through the real adapter.</summary>
public sealed class CitizenPhoneBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Staff_subscribe_a_sandbox_phone_by_keyword_and_see_the_confirmation_in_Italian_and_Chinese()
    {
        var page = await fixture.NewPageAsync(signInAs: "admin@prato.demo");
        await page.GetByRole(AriaRole.Link, new() { Name = "Telefono del cittadino" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Telefono del cittadino");
        await Assertions.Expect(page.GetByTestId("phone-channel")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f-]{36}$"));
        await Assertions.Expect(page.GetByTestId("phone-shown-number")).ToHaveTextAsync("+393330000001");

        await page.GetByTestId("phone-text").FillAsync("ATTIVA ISCRIZIONE");
        await page.GetByTestId("phone-send").ClickAsync();
        var messages = page.GetByTestId("phone-messages");
        await Assertions.Expect(messages.Locator(".citizen-phone-out")).ToContainTextAsync("ATTIVA ISCRIZIONE");
        // The answer arrives while the page is open: the script reads the conversation every 2 seconds.
        await Assertions.Expect(messages.Locator(".citizen-phone-in").First).ToContainTextAsync("Iscrizione attivata", new() { Timeout = 20_000 });
        await Assertions.Expect(messages.Locator(".citizen-phone-in [data-status=read]").First).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await BrowserFixture.ScreenshotAsync(page, "citizen-phone");

        // Another number, in Chinese.
        await page.GetByTestId("phone-number").FillAsync("+39 333 000 0002");
        await page.GetByTestId("phone-open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("phone-shown-number")).ToHaveTextAsync("+393330000002");
        await Assertions.Expect(page.GetByTestId("phone-messages")).ToContainTextAsync("ATTIVA ISCRIZIONE");
        await page.GetByTestId("phone-text").FillAsync("订阅");
        await page.GetByTestId("phone-send").ClickAsync();
        await Assertions.Expect(page.GetByTestId("phone-messages").Locator(".citizen-phone-in").First).ToContainTextAsync("订阅成功", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("phone-messages").Locator(".citizen-phone-out")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("订阅"));
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));
    }

    [Fact]
    public async Task A_question_that_is_no_keyword_is_kept_for_the_staff_and_listed_with_the_number_hidden()
    {
        var page = await fixture.NewPageAsync(signInAs: "admin@prato.demo");
        await page.GotoAsync("/console/sandbox/phone");
        await page.GetByTestId("phone-number").FillAsync("+39 333 000 0003");
        await page.GetByTestId("phone-open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("phone-shown-number")).ToHaveTextAsync("+393330000003");
        await page.GetByTestId("phone-text").FillAsync("ATTIVA ISCRIZIONE");
        await page.GetByTestId("phone-send").ClickAsync();
        await Assertions.Expect(page.GetByTestId("phone-messages").Locator(".citizen-phone-in").First).ToContainTextAsync("Iscrizione attivata", new() { Timeout = 20_000 });
        await page.GetByTestId("phone-text").FillAsync("Buongiorno, quando passa la raccolta del vetro in via Roma?");
        await page.GetByTestId("phone-send").ClickAsync();

        // The staff's list: the question is there (through the real webhook and the inbound processor), the number hidden.
        var table = page.GetByTestId("messages-table");
        for (var tries = 0; ; tries++)
        {
            await page.GotoAsync("/console/messages");
            if (await table.CountAsync() > 0 && (await table.InnerTextAsync()).Contains("quando passa la raccolta del vetro", StringComparison.Ordinal))
            {
                break;
            }

            Assert.True(tries < 40, "The message did not reach the staff's list within 20 s.");
            await Task.Delay(500);
        }

        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Messaggi dei cittadini");
        var row = table.Locator("tr", new() { HasText = "quando passa la raccolta del vetro" });
        await Assertions.Expect(row).ToContainTextAsync("Per il personale");
        await Assertions.Expect(row).Not.ToContainTextAsync("3330000003");
        await BrowserFixture.ScreenshotAsync(page, "messages");

        // Keywords are answered by Piazza: not in the staff's list, but shown with "all".
        await Assertions.Expect(table).Not.ToContainTextAsync("ATTIVA ISCRIZIONE");
        await page.SelectOptionAsync("#filter-show", "all");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filtra" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("messages-table")).ToContainTextAsync("Risposto da Piazza");
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));
    }
}
