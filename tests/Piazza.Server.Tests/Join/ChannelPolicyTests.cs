using System.Net;
using Microsoft.EntityFrameworkCore;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Server.Tests.Api;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.Join;

/// <summary>
/// The channels' published policies through the API, the webhooks and the public pages: publishing is validated field by
/// field and allowed to those who manage channels, in their own organization; versions are numbered and never changed;
/// consents (a keyword on WhatsApp, a follow on WeChat, staff entering a subscriber) record the version in force, and the
/// confirmation links to its public page, in the person's language, unless the channel names a policy URL of its own.
/// </summary>
public sealed class ChannelPolicyTests(JoinFactory factory) : IClassFixture<JoinFactory>
{
    private const string ItalianV1 = "## Regole di WhatsPrato\n\nAl massimo **5 messaggi al mese**. Per cancellarti scrivi DISATTIVA ISCRIZIONE.";
    private const string ChineseV1 = "## WhatsPrato 规则\n\n每月最多 **5 条**消息。退订请发送“退订”。";
    private const string ItalianV2 = "## Regole di WhatsPrato\n\nAl massimo **4 messaggi al mese**, mai di notte.";
    private const string ChineseV2 = "## WhatsPrato 规则\n\n每月最多 **4 条**消息，夜间不发送。";

    [Fact]
    public async Task Publishing_is_validated_field_by_field_and_nothing_is_stored_when_it_fails()
    {
        var n = await factory.NewsroomAsync(0, "WhatsApp");
        var url = $"/api/v1/channels/{n.ChannelId}/policies";

        var missing = await n.Admin.SendProblemAsync(HttpMethod.Post, url, new { texts = new Dictionary<string, string> { ["it"] = ItalianV1, ["zh"] = "  " } }, HttpStatusCode.BadRequest);
        Assert.Equal(["texts.zh"], missing["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal("Write the policy in every language of the organization.", (string?)missing["errors"]!["texts.zh"]![0]);

        var problems = await n.Admin.SendProblemAsync(HttpMethod.Post, url, new
        {
            texts = new Dictionary<string, string> { ["it"] = new string('x', 20_001), ["zh"] = ChineseV1, ["fr"] = "Règles" },
            note = new string('n', 501),
        }, HttpStatusCode.BadRequest);
        Assert.Equal(["note", "texts.fr", "texts.it"], problems["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal("The organization does not publish in this language.", (string?)problems["errors"]!["texts.fr"]![0]);
        Assert.Equal("The text is longer than 20,000 characters.", (string?)problems["errors"]!["texts.it"]![0]);
        Assert.Equal("The note is longer than 500 characters.", (string?)problems["errors"]!["note"]![0]);
        await n.Admin.SendProblemAsync(HttpMethod.Post, url, new { }, HttpStatusCode.BadRequest);
        await n.Admin.SendProblemAsync(HttpMethod.Post, url, """{"texts":"it"}""", HttpStatusCode.BadRequest);

        Assert.Empty((await n.Admin.GetJsonAsync(url)).AsArray());
        await n.Admin.SendProblemAsync(HttpMethod.Get, url + "/1", null, HttpStatusCode.NotFound);
        Assert.Empty(await factory.AuditAsync(n.OrganizationId, "policy.published"));
    }

    [Fact]
    public async Task Versions_are_numbered_kept_unchanged_and_readable_by_who_sees_the_channel_in_its_organization_only()
    {
        var n = await factory.NewsroomAsync(0, "WhatsApp");
        var url = $"/api/v1/channels/{n.ChannelId}/policies";
        var first = await n.Admin.PostJsonAsync(url, new { texts = new Dictionary<string, string> { ["it"] = ItalianV1, ["zh"] = ChineseV1 }, note = "  Prima   versione " });
        Assert.Equal((1, true, "Prima versione"), ((int)first["version"]!, (bool)first["isCurrent"]!, (string?)first["note"]));
        Assert.Equal(ItalianV1, (string?)first["texts"]!["it"]);
        var second = await n.Admin.PostJsonAsync(url, new { texts = new Dictionary<string, string> { ["it"] = ItalianV2, ["zh"] = ChineseV2 } });
        Assert.Equal(2, (int)second["version"]!);

        // channels:read lists and reads every version; the old one is as it was published.
        var reader = factory.ClientWithKey(await factory.CreateApiKeyAsync(n.OrganizationId, "channels:read", "lettura"));
        var list = (await reader.GetJsonAsync(url)).Items().ToList();
        Assert.Equal([2, 1], list.Select(v => (int)v["version"]!));
        Assert.Equal(["it", "zh"], list[1]["languages"]!.AsArray().Select(l => (string?)l));
        var old = await reader.GetJsonAsync(url + "/1");
        Assert.Equal((ItalianV1, ChineseV1, false), ((string?)old["texts"]!["it"], (string?)old["texts"]!["zh"], (bool)old["isCurrent"]!));
        Assert.True((bool)(await reader.GetJsonAsync(url + "/2"))["isCurrent"]!);
        await reader.SendProblemAsync(HttpMethod.Get, url + "/3", null, HttpStatusCode.NotFound);

        // Only those who manage channels publish; who cannot see channels reads nothing.
        var forbidden = await reader.SendProblemAsync(HttpMethod.Post, url, new { texts = new Dictionary<string, string> { ["it"] = "x", ["zh"] = "x" } }, HttpStatusCode.Forbidden);
        Assert.Contains("channels:write", (string?)forbidden["detail"], StringComparison.Ordinal);
        await n.Translator.SendProblemAsync(HttpMethod.Get, url, null, HttpStatusCode.Forbidden);

        // Another organization: the channel and its policies do not exist for it.
        var (_, stranger) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Altrove"));
        await stranger.SendProblemAsync(HttpMethod.Get, url, null, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Get, url + "/1", null, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Post, url, new { texts = new Dictionary<string, string> { ["it"] = "x", ["zh"] = "x" } }, HttpStatusCode.NotFound);

        var audit = await factory.AuditAsync(n.OrganizationId, "policy.published");
        Assert.Equal(2, audit.Count);
        Assert.Contains("policy version 1 (it, zh): Prima versione", audit[0].Detail, StringComparison.Ordinal);
        Assert.Equal(n.ChannelId.ToString(), audit[1].ObjectId);
        await using var db = factory.Database.CreateContext();
        Assert.Equal(4, await db.ChannelPolicyTexts.IgnoreQueryFilters().CountAsync(t => t.OrganizationId == n.OrganizationId));
    }

    [Fact]
    public async Task Consents_record_the_version_in_force_and_the_confirmation_links_to_its_public_page()
    {
        var n = await factory.NewsroomAsync(0, "WhatsApp");
        var account = await factory.AccountAsync(n.ChannelId);
        var slug = await factory.SlugAsync(n.OrganizationId);
        var site = factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');

        // Before any publication: the channel's policyVersion setting, and no link (no policyUrl either).
        await factory.WhatsAppWritesAsync(account, "+393481000001", "ATTIVA ISCRIZIONE");
        Assert.Equal("1", (await factory.SubscriberAsync(n.ChannelId, "+393481000001")).PolicyVersion);
        Assert.DoesNotContain("http", (await factory.WhatsAppRepliesAsync(n.ChannelId, "+393481000001", 1))[0], StringComparison.Ordinal);

        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/policies", new { texts = new Dictionary<string, string> { ["it"] = ItalianV1, ["zh"] = ChineseV1 } });
        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/policies", new { texts = new Dictionary<string, string> { ["it"] = ItalianV2, ["zh"] = ChineseV2 } });

        // A keyword in Italian and one in Chinese: version 2, linked in the person's language.
        await factory.WhatsAppWritesAsync(account, "+393481000002", "ATTIVA ISCRIZIONE");
        var it = await factory.SubscriberAsync(n.ChannelId, "+393481000002");
        Assert.Equal("2", it.PolicyVersion);
        var confirmation = (await factory.WhatsAppRepliesAsync(n.ChannelId, "+393481000002", 1))[0];
        Assert.Contains($"{site}/{slug}/it/channels/{n.ChannelId}/policy/2", confirmation, StringComparison.Ordinal);
        await factory.WhatsAppWritesAsync(account, "+393481000003", "订阅");
        Assert.Equal("2", (await factory.SubscriberAsync(n.ChannelId, "+393481000003")).PolicyVersion);
        var zh = (await factory.WhatsAppRepliesAsync(n.ChannelId, "+393481000003", 1))[0];
        Assert.Contains($"{site}/{slug}/zh/channels/{n.ChannelId}/policy/2", zh, StringComparison.Ordinal);

        // The link leads to that version's text.
        var page = await factory.CreateClient().GetStringAsync($"/{slug}/zh/channels/{n.ChannelId}/policy/2");
        Assert.Contains("每月最多 <strong>4 条</strong>消息", page, StringComparison.Ordinal);

        // Staff entering a subscriber without saying which version: the one in force.
        var staff = await n.Admin.PostJsonAsync("/api/v1/subscribers", new { channelId = n.ChannelId, address = "+393481000004", consentEvidence = "modulo cartaceo n. 12" });
        Assert.Equal("2", (string?)staff["consent"]!["policyVersion"]);
        var named = await n.Admin.PostJsonAsync("/api/v1/subscribers", new { channelId = n.ChannelId, address = "+393481000005", consentEvidence = "modulo", policyVersion = "1" });
        Assert.Equal("1", (string?)named["consent"]!["policyVersion"]);

        // A policy URL of the channel's own wins over the public page.
        var settings = (await n.Admin.GetJsonAsync($"/api/v1/channels/{n.ChannelId}"))["settings"]!.AsObject().ToDictionary(e => e.Key, e => (string?)e.Value);
        settings["policyUrl"] = "https://www.comune.example.it/privacy-whatsapp";
        await n.Admin.PutJsonAsync($"/api/v1/channels/{n.ChannelId}", new { kind = "WhatsApp", name = "Canale di prova WhatsApp", isSandbox = true, settings });
        await factory.WhatsAppWritesAsync(account, "+393481000006", "ATTIVA ISCRIZIONE");
        Assert.Equal("2", (await factory.SubscriberAsync(n.ChannelId, "+393481000006")).PolicyVersion);
        var own = await WaitForReplyAsync(n.ChannelId, "+393481000006");
        Assert.Contains("https://www.comune.example.it/privacy-whatsapp", own, StringComparison.Ordinal);
        Assert.DoesNotContain("/policy/", own, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_WeChat_follow_records_the_version_and_the_welcome_links_it_in_each_language()
    {
        var n = await factory.NewsroomAsync(0, "WeChat", new Dictionary<string, string> { ["requiredLanguages"] = "zh,it" });
        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/policies", new { texts = new Dictionary<string, string> { ["it"] = "Regole di ViaRoma101.", ["zh"] = "ViaRoma101 规则。" } });
        var account = await factory.AccountAsync(n.ChannelId);
        var slug = await factory.SlugAsync(n.OrganizationId);
        Assert.Equal(WeChatPhoneProblem.None, factory.WeChat.Follow(account, "Chen Jing", null));
        var follower = await factory.SubscriberAsync(n.ChannelId, WeChatSimulator.OpenIdOf(n.ChannelId, "Chen Jing"));
        Assert.Equal(("1", ConsentMethod.Follow), (follower.PolicyVersion, follower.ConsentMethod));

        string? welcome = null;
        await Broadcast.BroadcastFactory.WaitUntilAsync(() =>
        {
            welcome = factory.WeChat.Conversation(n.ChannelId, WeChatSimulator.OpenIdOf(n.ChannelId, "Chen Jing")).Select(m => m.Text).FirstOrDefault(t => t.Contains("欢迎关注", StringComparison.Ordinal));
            return Task.FromResult(welcome is not null);
        }, 20, "the welcome");
        Assert.Contains($"/{slug}/zh/channels/{n.ChannelId}/policy/1", welcome, StringComparison.Ordinal);
        Assert.Contains($"/{slug}/it/channels/{n.ChannelId}/policy/1", welcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_public_policy_pages_show_each_version_with_the_list_of_versions_and_only_the_organizations_own()
    {
        var n = await factory.NewsroomAsync(0, "WhatsApp");
        var slug = await factory.SlugAsync(n.OrganizationId);
        var client = factory.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = factory.ClientOptions.BaseAddress });
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/{slug}/it/channels/{n.ChannelId}/policy")).StatusCode);

        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/policies", new { texts = new Dictionary<string, string> { ["it"] = ItalianV1, ["zh"] = ChineseV1 } });
        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/policies", new { texts = new Dictionary<string, string> { ["it"] = ItalianV2, ["zh"] = ChineseV2 } });

        var current = await client.GetStringAsync($"/{slug}/it/channels/{n.ChannelId}/policy");
        Assert.Contains("Al massimo <strong>4 messaggi al mese</strong>", current, StringComparison.Ordinal);
        Assert.Contains("È la versione in vigore.", current, StringComparison.Ordinal);
        Assert.Contains($"href=\"/{slug}/it/channels/{n.ChannelId}/policy/1\"", current, StringComparison.Ordinal);

        var old = await client.GetStringAsync($"/{slug}/it/channels/{n.ChannelId}/policy/1");
        Assert.Contains("Al massimo <strong>5 messaggi al mese</strong>", old, StringComparison.Ordinal);
        Assert.Contains("Questa versione è stata sostituita il", old, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"policy-version\" data-version=\"2\"", old, StringComparison.Ordinal);

        Assert.Contains("每月最多 <strong>5 条</strong>消息", await client.GetStringAsync($"/{slug}/zh/channels/{n.ChannelId}/policy/1"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/{slug}/it/channels/{n.ChannelId}/policy/3")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/{slug}/it/channels/{Guid.NewGuid()}/policy")).StatusCode);

        // Another organization's site does not show this channel's policy.
        var other = await factory.CreateOrganizationAsync(ApiHttp.Unique("Comune di Altrove"));
        var otherSlug = await factory.SlugAsync(other);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/{otherSlug}/it/channels/{n.ChannelId}/policy")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/{otherSlug}/it/channels/{n.ChannelId}/qr.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/{otherSlug}/it/channels/{n.ChannelId}/flyer")).StatusCode);
    }

    private async Task<string> WaitForReplyAsync(Guid channelId, string phone) => (await factory.WhatsAppRepliesAsync(channelId, phone, 1))[0];
}
