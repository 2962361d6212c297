using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>
/// Flyer QR campaigns in the console, in a real browser against the demo (its sandbox WeChat account ViaRoma101): an
/// administrator creates a campaign from the channel's page, and the PNG and SVG downloads, drawn by Chromium and read
/// by an independent QR decoder (ZXing), give back the campaign's link. Editors see the campaigns without the form;
/// a platform without campaigns (a Facebook page) says which platforms have them.
/// </summary>
public sealed partial class CampaignsBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";
    private const string Editor = "redazione@prato.demo";

    [Fact]
    public async Task An_admin_creates_a_campaign_and_its_PNG_and_SVG_codes_for_print_decode_to_its_link()
    {
        var page = await fixture.NewPageAsync(signInAs: Admin);
        var wechat = await ChannelIdAsync("ViaRoma101 (sandbox)");
        await page.GotoAsync($"/console/channels/{wechat}");
        await page.GetByTestId("channel-campaigns").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/console/channels/{wechat}/campaigns$"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Campagne QR");

        // A bad scene first: the message is next to the field, in Italian.
        await page.FillAsync("#campaign-name", "Volantino mercato di via Pistoiese");
        await page.FillAsync("#campaign-scene", "via pistoiese");
        await page.EvaluateAsync("() => document.getElementById('campaign-scene').removeAttribute('pattern')");
        await page.GetByTestId("create-campaign").ClickAsync();
        await Assertions.Expect(page.GetByTestId("new-campaign")).ToContainTextAsync("La scena può contenere solo lettere (a–z, A–Z), cifre, '-' e '_'.");

        await page.FillAsync("#campaign-scene", "mercato-pistoiese");
        await page.GetByTestId("create-campaign").ClickAsync();
        await Assertions.Expect(page.GetByTestId("page-message")).ToContainTextAsync("Campagna QR creata");
        var row = page.GetByTestId("campaign").Filter(new() { HasText = "mercato-pistoiese" });
        await Assertions.Expect(row).ToContainTextAsync("Volantino mercato di via Pistoiese");
        await Assertions.Expect(row.GetByTestId("campaign-followers")).ToContainTextAsync("0 in tutto");
        await BrowserFixture.ScreenshotAsync(page, "campaigns");

        string joinUrl;
        Guid campaignId;
        await using (var db = fixture.Database.CreateContext())
        {
            var campaign = await db.FlyerCampaigns.IgnoreQueryFilters().SingleAsync(c => c.ChannelId == wechat && c.Scene == "mercato-pistoiese");
            joinUrl = campaign.JoinUrl!;
            campaignId = campaign.Id;
        }

        Assert.StartsWith("http://weixin.qq.com/q/", joinUrl, StringComparison.Ordinal);

        // The downloads, with the page's session: attachments named after the scene.
        var png = await DownloadAsync(page, row.GetByTestId("download-png"));
        Assert.Equal("piazza-qr-mercato-pistoiese.png", png.Name);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Bytes[..4]);
        var width = (png.Bytes[16] << 24) | (png.Bytes[17] << 16) | (png.Bytes[18] << 8) | png.Bytes[19];
        Assert.True(width >= 1200, $"the PNG is {width} pixels wide");
        Assert.Equal(joinUrl, await QrImages.DecodeAsync(page, png.Bytes, "image/png"));

        var svg = await DownloadAsync(page, row.GetByTestId("download-svg"));
        Assert.Equal("piazza-qr-mercato-pistoiese.svg", svg.Name);
        var svgText = Encoding.UTF8.GetString(svg.Bytes);
        Assert.Contains("width=\"50mm\"", svgText, StringComparison.Ordinal);
        _ = System.Xml.Linq.XDocument.Parse(svgText);
        Assert.Equal(joinUrl, await QrImages.DecodeAsync(page, svg.Bytes, "image/svg+xml"));

        var response = await page.Context.APIRequest.GetAsync($"/console/channels/{wechat}/campaigns/{campaignId}/qr.svg");
        Assert.Equal(200, response.Status);
        Assert.StartsWith("attachment", response.Headers["content-disposition"], StringComparison.Ordinal);
        Assert.Equal("image/svg+xml", response.Headers["content-type"]);

        // Without a session there is no code; a campaign of another channel is not found through this one.
        var anonymous = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseAddress.ToString() });
        var signedOut = await anonymous.APIRequest.GetAsync($"/console/channels/{wechat}/campaigns/{campaignId}/qr.png", new() { MaxRedirects = 0 });
        Assert.Equal(302, signedOut.Status);
        Assert.Contains("/console/sign-in", signedOut.Headers["location"], StringComparison.Ordinal);
        await anonymous.CloseAsync();
        var whatsapp = await ChannelIdAsync("WhatsPrato (sandbox)");
        var elsewhere = await page.Context.APIRequest.GetAsync($"/console/channels/{whatsapp}/campaigns/{campaignId}/qr.png");
        Assert.NotEqual(200, elsewhere.Status);
    }

    [Fact]
    public async Task Editors_see_the_campaigns_without_the_form_and_other_platforms_say_which_have_campaigns()
    {
        var wechat = await ChannelIdAsync("ViaRoma101 (sandbox)");
        var admin = await fixture.NewPageAsync(signInAs: Admin);
        await admin.GotoAsync($"/console/channels/{wechat}/campaigns");
        await admin.FillAsync("#campaign-name", "Manifesto biblioteca Lazzerini");
        await admin.FillAsync("#campaign-scene", "biblioteca");
        await admin.GetByTestId("create-campaign").ClickAsync();
        await Assertions.Expect(admin.GetByTestId("page-message")).ToContainTextAsync("Campagna QR creata");

        var editor = await fixture.NewPageAsync(signInAs: Editor);
        await editor.GotoAsync($"/console/channels/{wechat}/campaigns");
        await Assertions.Expect(editor.GetByTestId("campaign").Filter(new() { HasText = "biblioteca" })).ToContainTextAsync("Manifesto biblioteca Lazzerini");
        await Assertions.Expect(editor.GetByTestId("new-campaign")).ToHaveCountAsync(0);

        var facebook = await ChannelIdAsync("Pagina Facebook (sandbox)");
        await admin.GotoAsync($"/console/channels/{facebook}/campaigns");
        await Assertions.Expect(admin.GetByTestId("campaigns-unavailable")).ToHaveTextAsync("Le campagne QR sono disponibili per i canali WhatsApp, Telegram e WeChat.");
        await Assertions.Expect(admin.Locator("#campaign-scene")).ToHaveCountAsync(0);
    }

    private async Task<Guid> ChannelIdAsync(string name)
    {
        await using var db = fixture.Database.CreateContext();
        return await db.Channels.IgnoreQueryFilters().Where(c => c.Name == name).Select(c => c.Id).SingleAsync();
    }

    private static async Task<(string Name, byte[] Bytes)> DownloadAsync(IPage page, ILocator link)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var path = await download.PathAsync();
        return (download.SuggestedFilename, await File.ReadAllBytesAsync(path));
    }
}
