using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Piazza.Campaigns;
using Piazza.Channels;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>
/// How citizens join the demo municipality's channels, in Chromium: the subscribe page in Italian and Chinese, each
/// channel's QR code (the image on the page, the PNG and the SVG downloads) read by an independent decoder (ZXing) back to
/// exactly the join link the channel's settings call for; the printable flyers of channels and campaigns (in one language
/// and in Chinese with Italian), whose QR codes decode likewise and which Chromium prints on one A4 page; the policy pages;
/// and every public page passes axe-core's WCAG 2.1 A and AA rules. In the console, a WhatsApp flyer campaign's codes per
/// language, and a new version of a channel's policy published and shown.
/// </summary>
public sealed partial class JoinBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";

    [Theory]
    [InlineData("it", "ATTIVA ISCRIZIONE")]
    [InlineData("zh", "订阅")]
    public async Task The_subscribe_page_shows_every_channel_with_a_QR_code_that_decodes_to_its_join_link(string language, string keyword)
    {
        var channels = await DemoChannelsAsync();
        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"/prato-demo/{language}");
        await page.GetByRole(AriaRole.Navigation, new() { Name = language == "it" ? "Menu principale" : "主菜单" }).GetByRole(AriaRole.Link, new() { Name = language == "it" ? "Iscriviti" : "订阅" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/prato-demo/{language}/subscribe$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(language == "it" ? "Ricevi le notizie sul telefono" : "在手机上接收新闻");

        // Every channel one can join (not the website), each with the link its settings call for.
        var expected = await ExpectedLinksAsync(DemoSlug, keyword);
        Assert.Contains($"https://wa.me/{channels.WhatsAppNumber[1..]}?text={Uri.EscapeDataString(keyword)}", expected.Values);
        Assert.Contains(channels.WeChatWebsiteUrl, expected.Values);
        Assert.Contains($"https://t.me/{channels.TelegramBot}?start=c-website", expected.Values);
        Assert.Contains(channels.FacebookPage, expected.Values);
        Assert.Contains("https://mastodon.uno/@comunediprato", expected.Values);
        Assert.Contains("https://t.me/PratoSport", expected.Values);
        await AssertCodesAsync(page, expected);

        var whatsapp = page.Locator("[data-testid=join-channel][data-kind=WhatsApp]");
        await Assertions.Expect(whatsapp).ToContainTextAsync(channels.WhatsAppNumber);
        await Assertions.Expect(whatsapp).ToContainTextAsync(keyword);
        await Assertions.Expect(page.Locator("[data-testid=join-channel][data-kind=WeChat]")).ToContainTextAsync("ViaRoma101");
        await Assertions.Expect(page.Locator($"[data-testid=join-channel][data-channel='{channels.Telegram}']")).ToContainTextAsync("@" + channels.TelegramBot);
        await Axe.AssertAccessibleAsync(page, $"the subscribe page ({language})");
        await BrowserFixture.ScreenshotAsync(page, "public-subscribe-" + language);

        // On a small phone nothing scrolls sideways, and the page still passes.
        await page.SetViewportSizeAsync(360, 740);
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));
        await Axe.AssertAccessibleAsync(page, $"the subscribe page ({language}) on a phone");
    }

    [Fact]
    public async Task Another_organizations_page_shows_its_X_account_and_Telegram_public_channel_and_none_of_the_demos()
    {
        // A municipality with an X account, a thematic Telegram channel, a disabled WhatsApp number and a website.
        Guid organization;
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Piazza.Data.PiazzaDb>();
            organization = (await Piazza.Organizations.OrganizationService.CreateAsync(db, "Comune di Vaiano", "vaiano", ["it"], TimeProvider.System, CancellationToken.None)).Id;
        }

        await using (var scope = Piazza.Server.Hosting.ActorOverride.ForOrganization(fixture.Services, organization))
        {
            var service = scope.ServiceProvider.GetRequiredService<ChannelService>();
            await service.CreateAsync(new ChannelInput(ChannelKind.X, "X del Comune", IsSandbox: true, Settings: new Dictionary<string, string?> { ["username"] = "@ComuneVaiano" }), CancellationToken.None);
            await service.CreateAsync(new ChannelInput(ChannelKind.Telegram, "Vaiano Sport", IsSandbox: true, Settings: new Dictionary<string, string?> { ["channelUsername"] = "@VaianoSport" }), CancellationToken.None);
            await service.CreateAsync(new ChannelInput(ChannelKind.WhatsApp, "WhatsVaiano", IsSandbox: true, IsEnabled: false), CancellationToken.None);
            await service.CreateAsync(new ChannelInput(ChannelKind.Web, "Sito", IsSandbox: true), CancellationToken.None);
        }

        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/vaiano/it/subscribe");
        var expected = await ExpectedLinksAsync("vaiano", "ATTIVA ISCRIZIONE");
        Assert.Equal(["https://t.me/VaianoSport", "https://x.com/ComuneVaiano"], expected.Values.Order(StringComparer.Ordinal));
        await AssertCodesAsync(page, expected);
        await Assertions.Expect(page.Locator("[data-testid=join-channel][data-kind=Telegram]")).ToContainTextAsync("Unisciti al canale @VaianoSport su Telegram.");
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync("WhatsVaiano");
        await Axe.AssertAccessibleAsync(page, "another organization's subscribe page");

        // The demo's channels are not this organization's: no QR code, no flyer, no policy through its address.
        var channels = await DemoChannelsAsync();
        Assert.Equal(404, (await page.Context.APIRequest.GetAsync($"/vaiano/it/channels/{channels.WhatsApp}/qr.png")).Status);
        Assert.Equal(404, (await page.Context.APIRequest.GetAsync($"/vaiano/it/channels/{channels.WhatsApp}/flyer")).Status);
        Assert.Equal(404, (await page.Context.APIRequest.GetAsync($"/vaiano/it/channels/{channels.WhatsApp}/policy")).Status);
    }

    [Fact]
    public async Task Flyers_of_channels_and_campaigns_decode_to_their_links_print_on_one_A4_page_and_pass_the_accessibility_check()
    {
        var channels = await DemoChannelsAsync();
        var wechatFlyer = await CampaignUrlAsync(channels.WeChat, "sportello-via-roma");
        (string Path, string Link, string[] Texts)[] flyers =
        [
            ($"/prato-demo/it/channels/{channels.WhatsApp}/flyer", $"https://wa.me/{channels.WhatsAppNumber[1..]}?text=ATTIVA%20ISCRIZIONE", ["Ricevi le notizie del Comune di Prato (demo) su WhatsApp", channels.WhatsAppNumber]),
            ($"/prato-demo/zh/channels/{channels.WhatsApp}/flyer?campaign=mercato-macrolotto&also=it",
                $"https://wa.me/{channels.WhatsAppNumber[1..]}?text={Uri.EscapeDataString("订阅 c-mercato-macrolotto")}",
                ["通过WhatsApp接收", "Ricevi le notizie del Comune di Prato (demo) su WhatsApp", "订阅 c-mercato-macrolotto", "ATTIVA ISCRIZIONE c-mercato-macrolotto", "mercato-macrolotto"]),
            ($"/prato-demo/it/channels/{channels.Telegram}/flyer?campaign=palazzetto", $"https://t.me/{channels.TelegramBot}?start=t-sport_c-palazzetto", ["@" + channels.TelegramBot, "/stop"]),
            ($"/prato-demo/zh/channels/{channels.WeChat}/flyer?campaign=sportello-via-roma&also=it", wechatFlyer, ["通过微信接收", "Ricevi le notizie del Comune di Prato (demo) su WeChat", "ViaRoma101"]),
            ($"/prato-demo/zh/channels/{channels.WeChat}/flyer", channels.WeChatWebsiteUrl, ["ViaRoma101"]),
            ($"/prato-demo/it/channels/{channels.Facebook}/flyer", channels.FacebookPage, ["Facebook"]),
        ];
        var page = await fixture.NewPageAsync();
        foreach (var (path, link, texts) in flyers)
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            var flyer = page.GetByTestId("flyer");
            foreach (var text in texts)
            {
                await Assertions.Expect(flyer).ToContainTextAsync(text);
            }

            var qr = page.GetByTestId("flyer-qr");
            var src = (await qr.GetAttributeAsync("src"))!;
            Assert.Equal(link, await QrImages.DecodeAsync(page, await FetchAsync(page, src), "image/svg+xml"));
            Assert.Equal(link, await QrImages.DecodeAsync(page, await FetchAsync(page, src.Replace("/qr.svg", "/qr.png", StringComparison.Ordinal)), "image/png"));
            await Axe.AssertAccessibleAsync(page, "the flyer " + path);

            // On paper: the code is at least 6 cm wide, and the flyer is one A4 page.
            await page.EmulateMediaAsync(new() { Media = Media.Print });
            var width = (await qr.BoundingBoxAsync())!.Width;
            Assert.True(width >= 60 / 25.4 * 96, $"the QR code is {width / 96 * 25.4:0} mm wide on paper ({path})");
            var pdf = await page.PdfAsync(new() { PreferCSSPageSize = true, PrintBackground = true });
            var (pages, mediaBox) = PdfPages(pdf);
            Assert.True(pages == 1, $"{path} prints on {pages} pages");
            Assert.InRange(mediaBox.Width, 594, 597);   // A4: 210 × 297 mm = 595.3 × 841.9 pt
            Assert.InRange(mediaBox.Height, 840.5, 843);
            await page.EmulateMediaAsync(new() { Media = Media.Screen });
        }

        await page.GotoAsync(flyers[1].Path);
        await BrowserFixture.ScreenshotAsync(page, "public-flyer-whatsapp-zh-it");
        Assert.Equal("zh", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("it", await page.Locator(".flyer-how").Nth(1).GetAttributeAsync("lang"));

        // A campaign of another channel, or none, has no flyer here.
        Assert.Equal(404, (await page.GotoAsync($"/prato-demo/it/channels/{channels.WhatsApp}/flyer?campaign=palazzetto"))!.Status);
        Assert.Equal(404, (await page.GotoAsync($"/prato-demo/it/channels/{channels.Web}/flyer"))!.Status);
        Assert.Equal(404, (await page.GotoAsync($"/prato-demo/it/channels/{channels.WhatsApp}/flyer?also=fr"))!.Status);
    }

    [Fact]
    public async Task The_policy_page_of_a_channel_is_linked_from_the_subscribe_page_and_passes_the_accessibility_check()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/prato-demo/it/subscribe");
        await page.Locator("[data-testid=join-channel][data-kind=WeChat]").GetByTestId("policy-link").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/prato-demo/it/channels/[0-9a-f-]{36}/policy$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Regole e privacy: ViaRoma101 (sandbox)");
        await Assertions.Expect(page.GetByTestId("policy-text")).ToContainTextAsync("Al massimo 4 invii al mese");
        await Assertions.Expect(page.GetByTestId("policy-version")).ToHaveCountAsync(1);
        await Axe.AssertAccessibleAsync(page, "a channel's policy");
        await page.GetByTestId("language-switcher").GetByRole(AriaRole.Link, new() { Name = "中文" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("policy-text")).ToContainTextAsync("每月最多群发 4 次");
        Assert.Equal("zh", await page.GetAttributeAsync("html", "lang"));
        await Axe.AssertAccessibleAsync(page, "a channel's policy in Chinese");
        await BrowserFixture.ScreenshotAsync(page, "public-policy-zh");
    }

    [Fact]
    public async Task In_the_console_a_WhatsApp_flyer_campaign_has_a_code_per_language_and_a_new_policy_version_is_published()
    {
        var channels = await DemoChannelsAsync();
        var page = await fixture.NewPageAsync(signInAs: Admin);
        await page.GotoAsync($"/console/channels/{channels.WhatsApp}/campaigns");
        await page.FillAsync("#campaign-name", "Locandina farmacie");
        await page.FillAsync("#campaign-scene", "farmacie-2026");
        await page.SelectOptionAsync("#campaign-topic", new SelectOptionValue { Label = "Farmacie di turno" });
        await page.GetByTestId("create-campaign").ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToContainTextAsync("Campagna QR creata");
        var row = page.Locator("[data-testid=campaign][data-scene='farmacie-2026']");
        foreach (var (language, keyword) in new[] { ("it", "ATTIVA ISCRIZIONE"), ("zh", "订阅") })
        {
            var link = $"https://wa.me/{channels.WhatsAppNumber[1..]}?text={Uri.EscapeDataString(keyword + " t-farmacie-di-turno_c-farmacie-2026")}";
            var codes = row.Locator($"[data-testid=campaign-link][data-lang={language}]");
            await Assertions.Expect(codes.GetByTestId("campaign-url")).ToHaveTextAsync(link);
            Assert.Equal(link, await QrImages.DecodeAsync(page, await FetchAsync(page, await codes.GetByTestId("download-png-" + language).GetAttributeAsync("href")), "image/png"));
            Assert.Equal(link, await QrImages.DecodeAsync(page, await FetchAsync(page, await codes.GetByTestId("download-svg-" + language).GetAttributeAsync("href")), "image/svg+xml"));
        }

        Assert.Equal($"/prato-demo/zh/channels/{channels.WhatsApp}/flyer?campaign=farmacie-2026&also=it",
            await row.Locator("[data-testid=campaign-flyer][data-lang='zh+it']").GetAttributeAsync("href"));
        await BrowserFixture.ScreenshotAsync(page, "campaigns-whatsapp");

        // The Telegram bot's policy: version 2, written from version 1.
        await page.GotoAsync($"/console/channels/{channels.Telegram}");
        await page.GetByTestId("channel-policies").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Regole del canale");
        await Assertions.Expect(page.GetByTestId("policy-current")).ToHaveTextAsync("in vigore");
        var italian = page.Locator("#policy-text-it");
        await Assertions.Expect(italian).ToHaveValueAsync(new Regex("Al massimo \\*\\*4-5 messaggi al mese\\*\\*"));
        await italian.FillAsync((await italian.InputValueAsync()).Replace("4-5 messaggi al mese", "3 messaggi al mese", StringComparison.Ordinal));
        await page.Locator("#policy-text-zh").FillAsync("");
        await page.GetByTestId("publish").ClickAsync();
        await Assertions.Expect(page.GetByTestId("publish-policy")).ToContainTextAsync("Scrivi le regole in ogni lingua dell'ente.");
        await page.Locator("#policy-text-zh").FillAsync("## Prato Notizie Telegram 机器人规则\n\n每月最多 **3 条**。");
        await page.Locator("#policy-note").FillAsync("Meno messaggi al mese");
        await page.GetByTestId("publish").ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToContainTextAsync("Versione 2 pubblicata");
        await Assertions.Expect(page.GetByTestId("policy-shown")).ToHaveAttributeAsync("data-version", "2");
        await Assertions.Expect(page.GetByTestId("policy-version")).ToHaveCountAsync(2);
        await page.Locator("[data-testid=policy-version][data-version='1'] a").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/console/channels/{channels.Telegram}/policies/1$"));
        await Assertions.Expect(page.GetByTestId("policy-current")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=policy-text][data-lang=it]")).ToContainTextAsync("4-5 messaggi al mese");

        var current = await page.Context.APIRequest.GetAsync($"/prato-demo/it/channels/{channels.Telegram}/policy");
        Assert.Contains("3 messaggi al mese", await current.TextAsync(), StringComparison.Ordinal);
        await using var db = fixture.Database.CreateContext();
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(a => a.Action == "policy.published" && a.ActorName == Admin && a.Detail!.Contains("Meno messaggi al mese")));
    }

    private const string DemoSlug = "prato-demo";

    /// <summary>Each card's QR code (the image on the page, the PNG and the SVG to download) decodes to exactly the link
    /// expected for its channel, and the button opens that link; there is a card for every channel expected.</summary>
    private static async Task AssertCodesAsync(IPage page, Dictionary<Guid, string> expected)
    {
        var cards = page.GetByTestId("join-channel");
        await Assertions.Expect(cards).ToHaveCountAsync(expected.Count);
        foreach (var card in await cards.AllAsync())
        {
            var link = expected[Guid.Parse((await card.GetAttributeAsync("data-channel"))!)];
            Assert.Equal(link, await QrImages.DecodeAsync(page, await FetchAsync(page, await card.GetByTestId("join-qr").GetAttributeAsync("src")), "image/svg+xml"));
            Assert.Equal(link, await QrImages.DecodeAsync(page, await FetchAsync(page, await card.GetByTestId("qr-png").GetAttributeAsync("href")), "image/png"));
            var svg = await FetchAsync(page, await card.GetByTestId("qr-svg").GetAttributeAsync("href"));
            _ = System.Xml.Linq.XDocument.Parse(Encoding.UTF8.GetString(svg));
            Assert.Equal(link, await QrImages.DecodeAsync(page, svg, "image/svg+xml"));
            if (await card.GetAttributeAsync("data-kind") != nameof(ChannelKind.WeChat))
            {
                Assert.Equal(link, await card.GetByTestId("join-link").GetAttributeAsync("href"));
            }
        }
    }

    /// <summary>The join link of every enabled channel of the organization that one can join, written here from the
    /// channel's settings as each platform documents it (not through Piazza's own code).</summary>
    private async Task<Dictionary<Guid, string>> ExpectedLinksAsync(string slug, string keyword)
    {
        await using var db = fixture.Database.CreateContext();
        var organization = await db.Organizations.IgnoreQueryFilters().Where(o => o.Slug == slug).Select(o => o.Id).SingleAsync();
        var channels = await db.Channels.IgnoreQueryFilters().AsNoTracking().Where(c => c.OrganizationId == organization && c.IsEnabled && c.Kind != ChannelKind.Web).ToListAsync();
        var result = new Dictionary<Guid, string>();
        foreach (var c in channels)
        {
            var settings = JsonSerializer.Deserialize<Dictionary<string, string>>(c.SettingsJson)!;
            result[c.Id] = c.Kind switch
            {
                ChannelKind.WhatsApp => $"https://wa.me/{settings["phoneNumber"].TrimStart('+')}?text={Uri.EscapeDataString(keyword)}",
                ChannelKind.WeChat => (await db.FlyerCampaigns.IgnoreQueryFilters().SingleAsync(f => f.ChannelId == c.Id && f.Scene == "website")).JoinUrl!,
                // A bot's link from the public pages is its deep link with the website as campaign; a public channel's, its address.
                ChannelKind.Telegram => settings.GetValueOrDefault("channelUsername") is { } channel
                    ? "https://t.me/" + channel.TrimStart('@')
                    : "https://t.me/" + settings["botUsername"].TrimStart('@') + "?start=c-website",
                ChannelKind.Facebook => settings["pageUrl"],
                ChannelKind.X => "https://x.com/" + settings["username"].TrimStart('@'),
                ChannelKind.Mastodon => settings["account"].TrimStart('@').Split('@') is var a ? $"https://{a[1]}/@{a[0]}" : "",
                _ => throw new InvalidOperationException(c.Kind.ToString()),
            };
        }

        return result;
    }

    private sealed record DemoChannels(Guid WhatsApp, string WhatsAppNumber, Guid WeChat, string WeChatWebsiteUrl, Guid Telegram, string TelegramBot, Guid Facebook, string FacebookPage, Guid Web);

    /// <summary>The demo's channels (by the names the demo gives them) and what their join links are made of, straight
    /// from the database.</summary>
    private async Task<DemoChannels> DemoChannelsAsync()
    {
        await using var db = fixture.Database.CreateContext();
        var channels = await db.Channels.IgnoreQueryFilters().AsNoTracking().ToListAsync();
        Channel Named(string name) => channels.Single(c => c.Name == name);
        string Setting(string name, string setting) => JsonSerializer.Deserialize<Dictionary<string, string>>(Named(name).SettingsJson)![setting];
        var wechat = Named("ViaRoma101 (sandbox)");
        var website = await db.FlyerCampaigns.IgnoreQueryFilters().SingleAsync(c => c.ChannelId == wechat.Id && c.Scene == FlyerCampaign.WebsiteScene);
        return new DemoChannels(
            Named("WhatsPrato (sandbox)").Id, Setting("WhatsPrato (sandbox)", "phoneNumber"), wechat.Id, website.JoinUrl!,
            Named("Prato Notizie Telegram (sandbox)").Id, Setting("Prato Notizie Telegram (sandbox)", "botUsername"),
            Named("Pagina Facebook (sandbox)").Id, Setting("Pagina Facebook (sandbox)", "pageUrl"), Named("Sito web comunale").Id);
    }

    private async Task<string> CampaignUrlAsync(Guid channelId, string scene)
    {
        await using var db = fixture.Database.CreateContext();
        return (await db.FlyerCampaigns.IgnoreQueryFilters().SingleAsync(c => c.ChannelId == channelId && c.Scene == scene)).JoinUrl!;
    }

    private static async Task<byte[]> FetchAsync(IPage page, string? url)
    {
        Assert.NotNull(url);
        var response = await page.Context.APIRequest.GetAsync(url);
        Assert.True(response.Status == 200, $"{url} answered {response.Status}");
        return await response.BodyAsync();
    }

    /// <summary>The number of pages of a PDF Chromium printed, and the first page's size in points.</summary>
    private static (int Pages, (double Width, double Height) MediaBox) PdfPages(byte[] pdf)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var pages = PageRegex().Count(text);
        var box = MediaBoxRegex().Match(text);
        Assert.True(box.Success, "the PDF has no MediaBox");
        double N(int i) => double.Parse(box.Groups[i].Value, CultureInfo.InvariantCulture);
        return (pages, (N(3) - N(1), N(4) - N(2)));
    }

    [GeneratedRegex(@"/Type\s*/Page[^s]")]
    private static partial Regex PageRegex();

    [GeneratedRegex(@"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")]
    private static partial Regex MediaBoxRegex();
}
