using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>
/// The citizen phone as a WeChat follower of the demo's sandbox service account ViaRoma101 (the immigration office's, in
/// safe mode): the follower scans the demo's flyer "sportello-via-roma", gets the bilingual welcome as the webhook's
/// encrypted passive reply, asks for the opening hours from the menu's keywords, and unfollows; the console counts them
/// for the flyer's campaign and records them as a subscriber who came from it, then as one who left.
/// </summary>
public sealed class WeChatPhoneBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Admin = "admin@prato.demo";
    private const string Account = "ViaRoma101 (sandbox)";
    private const string Scene = "sportello-via-roma";
    private const string Follower = "Zhou Min";

    /// <summary>How the phone labels the account's answer: the passive reply, or (from a server slower than WeChat
    /// waits) a customer-service message.</summary>
    private static readonly Regex Answer = new("^(Risposta|Messaggio del servizio clienti)$");

    [Fact]
    public async Task A_follower_who_scans_the_desk_flyer_is_welcomed_in_Chinese_and_Italian_gets_the_hours_and_is_counted_for_the_campaign()
    {
        var channelId = await ChannelIdAsync(Account);
        var page = await fixture.NewPageAsync(signInAs: Admin);

        // The flyer's campaign before: how many followers it brought (the demo's seeded subscribers came from elsewhere).
        await page.GotoAsync($"/console/channels/{channelId}/campaigns");
        var campaign = page.Locator($"[data-testid=campaign][data-scene='{Scene}']");
        await Assertions.Expect(campaign).ToContainTextAsync("Volantino sportello via Roma 101");
        var (activeBefore, totalBefore) = await FollowerCountsAsync(campaign);

        // 1. The phone page, the WeChat account, a new follower.
        await page.GetByRole(AriaRole.Link, new() { Name = "Telefono del cittadino" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Telefono del cittadino");
        await page.SelectOptionAsync("#phone-channel", new SelectOptionValue { Label = Account });
        await page.GetByTestId("phone-open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("wechat-intro")).ToBeVisibleAsync();
        await page.GetByTestId("wechat-follower-name").FillAsync(Follower);
        await page.GetByTestId("phone-open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("wechat-shown-follower")).ToHaveTextAsync(Follower);
        await Assertions.Expect(page.GetByTestId("wechat-following")).ToHaveAttributeAsync("data-following", "false");
        await Assertions.Expect(page.GetByTestId("phone-channel")).ToHaveValueAsync(channelId.ToString());
        var openId = (await page.GetByTestId("wechat-openid").InnerTextAsync()).Trim();
        Assert.Equal(WeChatSimulator.OpenIdOf(channelId, Follower), openId);

        // The demo's flyer is offered (the simulator learnt the campaign's QR code when the phone first opened the
        // account); following by scanning it.
        var scenes = page.GetByTestId("wechat-scene");
        await Assertions.Expect(scenes.Locator($"option[value='{Scene}']")).ToHaveTextAsync($"Inquadrando il volantino \"{Scene}\"");
        await scenes.SelectOptionAsync(Scene);
        await page.GetByTestId("wechat-follow").ClickAsync();
        await Assertions.Expect(page.GetByTestId("wechat-following")).ToHaveAttributeAsync("data-following", "true");
        var messages = page.GetByTestId("phone-messages");
        await Assertions.Expect(messages.Locator(".citizen-phone-out").First).ToHaveTextAsync(new Regex($"Hai seguito l'account inquadrando il volantino \"{Scene}\""));

        // 2. The welcome, in Chinese and in Italian with the privacy notice. It is the webhook's answer to the subscribe
        // event the simulator posted, signed and encrypted (safe mode), to /hooks/wechat/{id}: the passive reply, which the
        // simulator shows as a "Risposta" only once it has checked its signature and decrypted it for this AppID (a reply
        // it cannot verify is rejected and never shown). Only a server slower than WeChat's 5 seconds allow (PassiveBudget:
        // a very busy machine) answers by customer-service message instead; never both, never twice.
        var welcome = messages.Locator(".citizen-phone-in").Filter(new() { HasText = "欢迎关注" });
        await Assertions.Expect(welcome).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(welcome).ToContainTextAsync("Benvenuto");
        // The links to the channel's published policy (version 1), in each language.
        await Assertions.Expect(welcome).ToContainTextAsync($"/prato-demo/zh/channels/{channelId}/policy/1");
        await Assertions.Expect(welcome).ToContainTextAsync($"/prato-demo/it/channels/{channelId}/policy/1");
        await Assertions.Expect(welcome.Locator(".citizen-phone-template")).ToHaveTextAsync(Answer);
        var subscribe = Assert.Single(Callbacks(channelId, openId, "event:subscribe"));
        Assert.NotEqual("ReplyRejected", subscribe.Result);
        var posts = subscribe.Attempts();
        Assert.Equal("answered", posts[^1].Outcome);
        Assert.All(posts, post =>
        {
            Assert.Contains($"/hooks/wechat/{channelId}?", post.Url, StringComparison.Ordinal);
            Assert.Contains("encrypt_type=aes", post.Url, StringComparison.Ordinal);
            Assert.Contains("<Encrypt>", post.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(Scene, post.Body, StringComparison.Ordinal);
        });

        // 3. A keyword of the menu: the opening hours, in Italian and Chinese.
        await page.GetByTestId("phone-text").FillAsync("营业时间");
        await page.GetByTestId("phone-send").ClickAsync();
        await Assertions.Expect(messages.Locator(".citizen-phone-out").Last).ToHaveTextAsync(new Regex("营业时间"));
        var hours = messages.Locator(".citizen-phone-in").Filter(new() { HasText = "移民办公室（罗马路101号）" });
        await Assertions.Expect(hours).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(hours).ToContainTextAsync("Ufficio Immigrazione, via Roma 101: lun-ven 9-13, mar e gio anche 15-17.");
        await Assertions.Expect(hours).ToContainTextAsync("周一至周五9-13点，周二、周四15-17点。");
        await Assertions.Expect(hours.Locator(".citizen-phone-template")).ToHaveTextAsync(Answer);
        await BrowserFixture.ScreenshotAsync(page, "citizen-phone-wechat");
        Assert.Empty(await BrowserFixture.OverflowingElementsAsync(page));

        // 4. The console: one subscriber for this OpenID on the channel, who came from the flyer.
        long subscriberId;
        await using (var db = fixture.Database.CreateContext())
        {
            var s = await db.Subscribers.IgnoreQueryFilters().AsNoTracking().SingleAsync(x => x.ChannelId == channelId && x.Address == openId);
            Assert.Equal(SubscriberStatus.Active, s.Status);
            Assert.Equal("flyer:" + Scene, s.Source);
            Assert.Equal(ConsentMethod.Follow, s.ConsentMethod);
            Assert.Equal("qrscene_" + Scene, s.ConsentEvidence);
            Assert.Equal("1", s.PolicyVersion);
            subscriberId = s.Id;
        }

        await page.GotoAsync($"/console/subscribers?channel={channelId}&status=active&q={Uri.EscapeDataString(openId)}");
        var rows = page.GetByTestId("subscribers-table").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows).ToHaveAttributeAsync("data-subscriber-id", subscriberId.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(rows).ToContainTextAsync(Account);
        await Assertions.Expect(rows).ToContainTextAsync("Attivo");
        await rows.Locator("a").First.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/console/subscribers/{subscriberId}$"));
        await Assertions.Expect(page.GetByTestId("subscriber-status")).ToHaveTextAsync("Attivo");
        var consent = page.GetByTestId("consent");
        await Assertions.Expect(consent.Locator("dt", new() { HasText = "Provenienza o campagna" }).Locator("+ dd")).ToHaveTextAsync("flyer:" + Scene);
        await Assertions.Expect(consent).ToContainTextAsync("qrscene_" + Scene);

        // The campaign's page counts one more follower, still subscribed.
        await page.GotoAsync($"/console/channels/{channelId}/campaigns");
        await Assertions.Expect(campaign.GetByTestId("campaign-followers")).ToContainTextAsync($"{totalBefore + 1} in tutto");
        Assert.Equal((activeBefore + 1, totalBefore + 1), await FollowerCountsAsync(campaign));

        // 5. Unfollowing on the phone.
        await page.GotoAsync($"/console/sandbox/phone?channel={channelId}&follower={Uri.EscapeDataString(Follower)}");
        await Assertions.Expect(page.GetByTestId("wechat-following")).ToHaveAttributeAsync("data-following", "true");
        await page.GetByTestId("wechat-unfollow").ClickAsync();
        await Assertions.Expect(page.GetByTestId("wechat-following")).ToHaveAttributeAsync("data-following", "false");
        await Assertions.Expect(page.GetByTestId("phone-messages").Locator(".citizen-phone-out").Last).ToHaveTextAsync(new Regex("Hai smesso di seguire l'account."));
        await Assertions.Expect(page.GetByTestId("phone-compose")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("wechat-compose")).ToHaveCountAsync(0);

        // The unfollow event reaches the webhook in the background, and gets no reply to wait for. An account's callbacks
        // are posted one after the other, in order, and the webhook answers once the event is handled (within WeChat's 5
        // seconds): once another follower's welcome is on their phone, the unfollow has been handled.
        await page.GetByTestId("wechat-follower-name").FillAsync("Liu Yang");
        await page.GetByTestId("phone-open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("wechat-shown-follower")).ToHaveTextAsync("Liu Yang");
        await page.GetByTestId("wechat-scene").SelectOptionAsync(string.Empty);
        await page.GetByTestId("wechat-follow").ClickAsync();
        await Assertions.Expect(page.GetByTestId("phone-messages").Locator(".citizen-phone-in").Filter(new() { HasText = "欢迎关注" }))
            .ToHaveCountAsync(1, new() { Timeout = 20_000 });
        var unsubscribe = Assert.Single(Callbacks(channelId, openId, "event:unsubscribe"));
        Assert.Equal("Answered", unsubscribe.Result);
        Assert.Equal("answered", unsubscribe.Attempts()[^1].Outcome);
        Assert.All(unsubscribe.Attempts(), post => Assert.Contains("encrypt_type=aes", post.Url, StringComparison.Ordinal));

        await page.GotoAsync($"/console/subscribers/{subscriberId}");
        await Assertions.Expect(page.GetByTestId("subscriber-status")).ToHaveTextAsync("Disiscritto");
        await page.GotoAsync($"/console/subscribers?channel={channelId}&status=left&q={Uri.EscapeDataString(openId)}");
        await Assertions.Expect(page.GetByTestId("subscribers-table").Locator($"tbody tr[data-subscriber-id='{subscriberId}']")).ToContainTextAsync("Disiscritto");
        await using (var db = fixture.Database.CreateContext())
        {
            var s = await db.Subscribers.IgnoreQueryFilters().AsNoTracking().SingleAsync(x => x.Id == subscriberId);
            Assert.Equal(SubscriberStatus.Left, s.Status);
            Assert.NotNull(s.LeftAt);
            Assert.Equal("flyer:" + Scene, s.Source);
        }

        // The campaign still counts them in all, no longer among those subscribed.
        await page.GotoAsync($"/console/channels/{channelId}/campaigns");
        Assert.Equal((activeBefore, totalBefore + 1), await FollowerCountsAsync(campaign));
    }

    private async Task<Guid> ChannelIdAsync(string name)
    {
        await using var db = fixture.Database.CreateContext();
        return await db.Channels.IgnoreQueryFilters().Where(c => c.Name == name).Select(c => c.Id).SingleAsync();
    }

    /// <summary>The callbacks the simulator posted for this follower and this kind of message or event.</summary>
    private List<WeChatCallbackRecord> Callbacks(Guid channelId, string openId, string what) =>
        [.. fixture.Services.GetRequiredService<WeChatSimulator>().Outbox(channelId).Where(r => r.OpenId == openId && r.What == what)];

    /// <summary>A campaign's row: the followers it brought who are still subscribed, and all it brought.</summary>
    private static async Task<(int Active, int Total)> FollowerCountsAsync(ILocator campaign)
    {
        var cell = campaign.GetByTestId("campaign-followers");
        var active = (await cell.Locator("span").First.InnerTextAsync()).Trim();
        var total = Regex.Match(await cell.Locator("span").Last.InnerTextAsync(), @"^\s*(\d+) in tutto\s*$");
        Assert.True(total.Success, "The campaign's total is not \"N in tutto\".");
        return (int.Parse(active, NumberStyles.None, CultureInfo.InvariantCulture), int.Parse(total.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture));
    }
}
