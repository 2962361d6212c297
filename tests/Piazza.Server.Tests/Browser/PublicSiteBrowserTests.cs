using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The public site of the demo municipality in Chromium, as a citizen sees it on a computer and on a small
/// phone: every page passes axe-core's WCAG 2.1 A and AA rules, the language switcher leads to the same page in the
/// other language, the current emergency is at the top, links lead to the archives and the permanent pages.</summary>
public sealed partial class PublicSiteBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_home_shows_the_current_emergency_first_and_passes_the_accessibility_check_in_each_language()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/prato-demo/it$"));
        Assert.Equal("it", await page.GetAttributeAsync("html", "lang"));

        var pinned = page.GetByTestId("pinned");
        await Assertions.Expect(pinned).ToContainTextAsync("Allerta arancione per rischio idrogeologico");
        await Assertions.Expect(pinned).ToContainTextAsync("Emergenza in corso");
        // The emergency is the first thing of the page's content, above the latest news.
        var pinnedTop = (await pinned.BoundingBoxAsync())!.Y;
        var latestTop = (await page.GetByRole(AriaRole.Heading, new() { Name = "Ultime notizie" }).BoundingBoxAsync())!.Y;
        Assert.True(pinnedTop < latestTop, "the pinned emergency is above the latest news");
        // The expired one is only in the list, not pinned.
        await Assertions.Expect(pinned).Not.ToContainTextAsync("vento forte");
        await Assertions.Expect(page.GetByTestId("bulletin-list")).ToContainTextAsync("Allerta gialla per vento forte");
        await Axe.AssertAccessibleAsync(page, "the home in Italian");
        await BrowserFixture.ScreenshotAsync(page, "public-home-it");

        await page.GetByTestId("language-switcher").GetByRole(AriaRole.Link, new() { Name = "中文" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/prato-demo/zh$"));
        Assert.Equal("zh", await page.GetAttributeAsync("html", "lang"));
        await Assertions.Expect(page.GetByTestId("pinned")).ToContainTextAsync("橙色水文地质风险预警");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "最新消息" })).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(page, "the home in Chinese");
        await BrowserFixture.ScreenshotAsync(page, "public-home-zh");
    }

    [Fact]
    public async Task Archives_and_a_bulletins_page_work_by_link_and_pass_the_accessibility_check()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/prato-demo/it");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Menu principale" }).GetByRole(AriaRole.Link, new() { Name = "Tutte le notizie" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/prato-demo/it/archive$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Tutte le notizie");
        await Assertions.Expect(page.GetByTestId("bulletin-list").Locator("li")).ToHaveCountAsync(10);
        await Axe.AssertAccessibleAsync(page, "the archive");

        // A topic's archive, from its filter link; its feed is announced to feed readers and linked.
        await page.Locator(".public-topic-filter").GetByRole(AriaRole.Link, new() { Name = "Acqua" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/prato-demo/it/topics/acqua$"));
        await Assertions.Expect(page.GetByTestId("bulletin-list").Locator("li")).ToHaveCountAsync(1);
        Assert.Equal("/prato-demo/it/topics/acqua/feed.atom", await page.Locator("link[rel=alternate][type='application/atom+xml']").GetAttributeAsync("href"));
        await Axe.AssertAccessibleAsync(page, "a topic's archive");

        // The bulletin's permanent page, then the same bulletin in Chinese from the language switcher.
        await page.GetByRole(AriaRole.Link, new() { Name = "Acqua torbida a Galciana: si può usare, non bere fino a sera" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/prato-demo/it/bulletins/[0-9a-f-]{36}$"));
        var permalink = page.Url;
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Acqua torbida a Galciana: si può usare, non bere fino a sera");
        await Assertions.Expect(page.GetByTestId("bulletin")).ToContainTextAsync("Publiacqua distribuisce acqua");
        await Axe.AssertAccessibleAsync(page, "a bulletin's page");
        await page.GetByTestId("language-switcher").GetByRole(AriaRole.Link, new() { Name = "中文" }).ClickAsync();
        Assert.Equal(permalink.Replace("/it/", "/zh/", StringComparison.Ordinal), page.Url);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Galciana地区自来水浑浊：可使用，晚上前勿饮用");
        await Axe.AssertAccessibleAsync(page, "a bulletin's page in Chinese");
    }

    [Fact]
    public async Task A_bulletin_without_a_translation_says_so_and_a_missing_page_is_a_readable_404_on_a_phone()
    {
        // A cheap phone's screen: nothing scrolls sideways, the text of a bulletin written only in Italian is marked as Italian.
        var page = await fixture.NewPageAsync(width: 360, height: 740);
        await page.GotoAsync("/prato-demo/zh/topics/tributi");
        await Assertions.Expect(page.GetByTestId("bulletin-list")).ToContainTextAsync("TARI: la seconda rata scade il 16 dicembre");
        Assert.Equal("it", await page.GetByTestId("bulletin-list").Locator("li").First.GetAttributeAsync("lang"));
        await page.GetByRole(AriaRole.Link, new() { Name = "TARI: la seconda rata scade il 16 dicembre" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("fallback-note")).ToContainTextAsync("此内容没有中文版本");
        Assert.Equal("it", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).GetAttributeAsync("lang"));
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));
        await Axe.AssertAccessibleAsync(page, "an Italian bulletin on the Chinese site, on a phone");
        await BrowserFixture.ScreenshotAsync(page, "public-bulletin-fallback-phone");

        await page.GotoAsync("/prato-demo/it");
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));
        await BrowserFixture.ScreenshotAsync(page, "public-home-phone");

        var response = await page.GotoAsync("/prato-demo/it/bulletins/00000000-0000-0000-0000-000000000001");
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Pagina non trovata");
        await Axe.AssertAccessibleAsync(page, "the 404 page");
        await page.GetByRole(AriaRole.Link, new() { Name = "Vai alla pagina iniziale" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/prato-demo/it$"));
    }

    [Fact]
    public async Task The_skip_link_is_the_first_stop_of_the_keyboard_and_leads_to_the_content()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/prato-demo/it/archive");
        await page.Keyboard.PressAsync("Tab");
        var focused = await page.EvaluateAsync<string>("() => document.activeElement.textContent.trim()");
        Assert.Equal("Vai al contenuto", focused);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("#main$"));
        Assert.Equal("main", await page.EvaluateAsync<string>("() => document.activeElement.id"));
    }
}
