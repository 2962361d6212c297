using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Organizations;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;
using Xunit;

namespace Piazza.Server.Tests.PublicSite;

/// <summary>The public site through HTTP, on both databases: what is published (and only that), in which language, for
/// which organization; its addresses; the end of validity of a bulletin through the API.</summary>
public sealed class PublicSiteTests(PublicSiteFactory factory) : IClassFixture<PublicSiteFactory>
{
    [Fact]
    public async Task A_bulletin_sent_on_the_website_is_on_the_home_the_archives_and_its_permanent_page_in_each_language()
    {
        var (n, slug) = await factory.SiteAsync();
        var visitor = factory.Visitor();
        Assert.Contains("data-testid=\"no-news\"", await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it"), StringComparison.Ordinal);

        var id = await PublicSiteFactory.PublishAsync(n, "Acqua sospesa in via Roma & dintorni", "Domani **dalle 8 alle 12** niente acqua. <script>alert(1)</script>", "罗马路停水", "明天**8点到12点**停水。");

        var home = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it");
        Assert.Contains($"href=\"/{slug}/it/bulletins/{id:D}\">Acqua sospesa in via Roma &amp; dintorni</a>", home, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"it\">", home, StringComparison.Ordinal);
        var archive = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/archive");
        Assert.Contains($"/{slug}/it/bulletins/{id:D}", archive, StringComparison.Ordinal);
        var topic = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/topics/acqua");
        Assert.Contains($"/{slug}/it/bulletins/{id:D}", topic, StringComparison.Ordinal);
        Assert.DoesNotContain($"/{slug}/it/bulletins/{id:D}", await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/topics/sport"), StringComparison.Ordinal);

        var italian = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/bulletins/{id:D}");
        Assert.Contains("<h1>Acqua sospesa in via Roma &amp; dintorni</h1>", italian, StringComparison.Ordinal);
        Assert.Contains("<strong>dalle 8 alle 12</strong>", italian, StringComparison.Ordinal);
        // What the staff wrote is never HTML on the site: a script in the text is shown as text.
        Assert.DoesNotContain("<script>", italian, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", italian, StringComparison.Ordinal);
        Assert.Contains($"href=\"/{slug}/zh/bulletins/{id:D}\" lang=\"zh\" hreflang=\"zh\"", italian, StringComparison.Ordinal);

        var chinese = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/zh/bulletins/{id:D}");
        Assert.Contains("<html lang=\"zh\">", chinese, StringComparison.Ordinal);
        Assert.Contains("<h1>罗马路停水</h1>", chinese, StringComparison.Ordinal);
        Assert.Contains("<strong>8点到12点</strong>", chinese, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"fallback-note\"", chinese, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_what_went_out_on_a_website_channel_is_public_and_a_scheduled_bulletin_waits_for_its_time()
    {
        var (n, slug) = await factory.SiteAsync();
        var visitor = factory.Visitor();
        var other = await n.Admin.PostJsonAsync("/api/v1/channels", new { kind = "Mastodon", name = "Mastodon", isSandbox = true });
        // (The test server has no address for the Mastodon simulator: the post fails, which changes nothing here.)
        var elsewhere = await PublicSiteFactory.PublishAsync(n, "Solo su Mastodon", "Testo.", channels: [Guid.Parse(other.Id())], states: ["Sent", "PartlyFailed"]);
        var onSite = await PublicSiteFactory.PublishAsync(n, "Sul sito", "Testo.");

        var archive = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/archive");
        Assert.Contains(onSite.ToString("D"), archive, StringComparison.Ordinal);
        Assert.DoesNotContain(elsewhere.ToString("D"), archive, StringComparison.Ordinal);
        await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/bulletins/{elsewhere:D}", HttpStatusCode.NotFound);

        // Approved for tomorrow: nothing public until it is sent.
        var created = await n.Author.PostJsonAsync("/api/v1/bulletins", new
        {
            topicId = n.TopicId, channelIds = new[] { n.ChannelId }, bodies = new Dictionary<string, object> { ["it"] = new { title = "Domani", markdown = "Testo." } },
        });
        var later = Guid.Parse(created.Id());
        await n.Author.PostJsonAsync($"/api/v1/bulletins/{later}/submit", null, HttpStatusCode.OK);
        await BroadcastFactory.ApproveAsync(n, later, DateTime.UtcNow.AddDays(1));
        await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/bulletins/{later:D}", HttpStatusCode.NotFound);
        Assert.DoesNotContain(later.ToString("D"), await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/archive"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_organizations_site_never_shows_anothers_bulletins()
    {
        var (prato, pratoSlug) = await factory.SiteAsync();
        var (empoli, empoliSlug) = await factory.SiteAsync();
        var visitor = factory.Visitor();
        var id = await PublicSiteFactory.PublishAsync(prato, "Notizia di Prato", "Testo.");

        await PublicSiteFactory.HtmlAsync(visitor, $"/{pratoSlug}/it/bulletins/{id:D}");
        await PublicSiteFactory.HtmlAsync(visitor, $"/{empoliSlug}/it/bulletins/{id:D}", HttpStatusCode.NotFound);
        Assert.DoesNotContain(id.ToString("D"), await PublicSiteFactory.HtmlAsync(visitor, $"/{empoliSlug}/it/archive"), StringComparison.Ordinal);
        Assert.DoesNotContain("Notizia di Prato", await PublicSiteFactory.HtmlAsync(visitor, $"/{empoliSlug}/it/feed.atom"), StringComparison.Ordinal);

        // A staff member of Empoli signed in (an API key's tenant) still sees Prato's site as any visitor does.
        Assert.Contains("Notizia di Prato", await PublicSiteFactory.HtmlAsync(empoli.Admin, $"/{pratoSlug}/it/bulletins/{id:D}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bulletin_without_text_in_the_pages_language_is_shown_in_the_first_language_and_said_so()
    {
        var (n, slug) = await factory.SiteAsync();
        var visitor = factory.Visitor();
        var id = await PublicSiteFactory.PublishAsync(n, "Solo in italiano", "Testo italiano.");

        var page = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/zh/bulletins/{id:D}");
        Assert.Contains("<html lang=\"zh\">", page, StringComparison.Ordinal);
        Assert.Contains("<h1 lang=\"it\">Solo in italiano</h1>", page, StringComparison.Ordinal);
        Assert.Contains("此内容没有中文版本，以下为Italiano版本。", page, StringComparison.Ordinal);
        var list = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/zh/archive");
        Assert.Contains("<li class=\"public-bulletin\" lang=\"it\">", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Addresses_choose_the_visitors_language_put_a_known_one_in_its_usual_form_and_answer_404_to_unknown_ones()
    {
        var (n, slug) = await factory.SiteAsync();
        var visitor = factory.Visitor();

        async Task<(HttpStatusCode Status, string? Location)> GetAsync(string url, string? languages = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (languages is not null)
            {
                request.Headers.AcceptLanguage.ParseAdd(languages);
            }

            using var response = await visitor.SendAsync(request);
            return (response.StatusCode, response.Headers.Location?.OriginalString);
        }

        Assert.Equal((HttpStatusCode.Redirect, $"/{slug}/zh"), await GetAsync($"/{slug}", "zh-CN,zh;q=0.9,it;q=0.5"));
        Assert.Equal((HttpStatusCode.Redirect, $"/{slug}/it"), await GetAsync($"/{slug}", "fr-FR,fr;q=0.9,it;q=0.3"));
        Assert.Equal((HttpStatusCode.Redirect, $"/{slug}/it"), await GetAsync($"/{slug}", "de-DE"));
        Assert.Equal((HttpStatusCode.MovedPermanently, $"/{slug}/zh/archive?page=2"), await GetAsync($"/{slug}/ZH/archive?page=2"));
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync($"/{slug}/fr")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync($"/{slug}/it/topics/no-such-topic")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync($"/{slug}/it/bulletins/{Guid.NewGuid():D}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/no-such-municipality/it")).Status);
        // The root lists every municipality when there are several.
        await factory.SiteAsync();
        var root = await PublicSiteFactory.HtmlAsync(visitor, "/");
        Assert.Contains($"href=\"/{slug}\"", root, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"organizations\"", root, StringComparison.Ordinal);
        _ = n;
    }

    [Fact]
    public async Task Archives_are_paged_newest_first()
    {
        var (n, slug) = await factory.SiteAsync();
        var visitor = factory.Visitor();
        var first = await PublicSiteFactory.PublishAsync(n, "Primo", "Testo.");
        var second = await PublicSiteFactory.PublishAsync(n, "Secondo", "Testo.");
        var third = await PublicSiteFactory.PublishAsync(n, "Terzo", "Testo.");

        var page1 = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/archive");
        var page2 = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/archive?page=2");
        Assert.True(page1.IndexOf(third.ToString("D"), StringComparison.Ordinal) < page1.IndexOf(second.ToString("D"), StringComparison.Ordinal));
        Assert.DoesNotContain(first.ToString("D"), page1, StringComparison.Ordinal);
        Assert.Contains(first.ToString("D"), page2, StringComparison.Ordinal);
        Assert.Contains("Pagina 1 di 2", page1, StringComparison.Ordinal);
        Assert.Contains($"href=\"/{slug}/it/archive?page=2\"", page1, StringComparison.Ordinal);
        Assert.Contains("Pagina 2 di 2", page2, StringComparison.Ordinal);
        Assert.Contains($"rel=\"prev\" href=\"/{slug}/it/archive\"", page2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_end_of_validity_is_checked_and_can_be_changed_after_sending_by_editors_and_approvers_only()
    {
        var (n, _) = await factory.SiteAsync();
        var bodies = new Dictionary<string, object> { ["it"] = new { title = "Allerta", markdown = "Testo." } };
        var past = await n.Author.SendAsync(HttpMethod.Post, "/api/v1/bulletins", new { topicId = n.TopicId, priority = "Emergency", channelIds = new[] { n.ChannelId }, bodies, expiresAt = DateTime.UtcNow.AddHours(-1) });
        var problem = await past.JsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("The end of validity must be in the future.", (string?)problem!["errors"]!["expiresAt"]![0]);
        var far = await n.Author.SendAsync(HttpMethod.Post, "/api/v1/bulletins", new { topicId = n.TopicId, priority = "Emergency", channelIds = new[] { n.ChannelId }, bodies, expiresAt = DateTime.UtcNow.AddYears(2) });
        Assert.Equal("The end of validity can be at most a year ahead.", (string?)(await far.JsonAsync(HttpStatusCode.BadRequest))!["errors"]!["expiresAt"]![0]);

        var until = DateTime.UtcNow.AddHours(6);
        var id = await PublicSiteFactory.PublishAsync(n, "Allerta meteo", "Testo.", priority: "Emergency", expiresAt: until);
        var sent = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}");
        Assert.Equal(until, DateTime.Parse((string)sent["expiresAt"]!, null, System.Globalization.DateTimeStyles.RoundtripKind), TimeSpan.FromSeconds(1));

        // A translator may not; the approver ends it now: its history and the audit say so.
        using var denied = await n.Translator.SendAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/expiry", new { expiresAt = (DateTime?)null });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var ended = await n.Approver.PostJsonAsync($"/api/v1/bulletins/{id}/expiry", new { expiresAt = DateTime.UtcNow.AddDays(-3) }, HttpStatusCode.OK);
        var endedAt = DateTime.Parse((string)ended["expiresAt"]!, null, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.InRange(endedAt, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddSeconds(1));
        Assert.Equal("Ended now: no longer current.", (string?)ended["history"]!.AsArray().Last()!["note"]);
        var audit = await n.Admin.GetJsonAsync($"/api/v1/audit?objectType=bulletin&objectId={id}");
        Assert.Contains(audit.AsArray(), e => (string?)e!["action"] == "bulletin.expiry" && (string?)e["objectId"] == id.ToString());
        var far2 = await n.Author.SendAsync(HttpMethod.Post, $"/api/v1/bulletins/{id}/expiry", new { expiresAt = DateTime.UtcNow.AddYears(2) });
        Assert.Equal(HttpStatusCode.BadRequest, far2.StatusCode);
    }

    [Fact]
    public async Task Public_pages_and_feeds_travel_compressed_and_the_consoles_pages_do_not()
    {
        var (n, slug) = await factory.SiteAsync();
        await PublicSiteFactory.PublishAsync(n, "Avviso compresso", "Un testo abbastanza lungo da valere la compressione. " + string.Concat(Enumerable.Repeat("Ripetuto. ", 50)));
        var visitor = factory.Visitor();
        foreach (var url in new[] { $"/{slug}/it", $"/{slug}/it/archive", $"/{slug}/it/feed.atom", "/console/sign-in" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            using var response = await visitor.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var compressed = response.Content.Headers.ContentEncoding.Contains("gzip");
            Assert.True(url.StartsWith("/console", StringComparison.Ordinal) ? !compressed : compressed, $"{url}: Content-Encoding {string.Join(",", response.Content.Headers.ContentEncoding)}");
            if (compressed)
            {
                await using var gzip = new System.IO.Compression.GZipStream(await response.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
                using var reader = new StreamReader(gzip);
                Assert.Contains("Avviso compresso", await reader.ReadToEndAsync(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task An_organization_may_not_take_an_address_of_the_server()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Piazza.Data.PiazzaDb>();
        foreach (var reserved in new[] { "console", "api", "hooks", "sandbox" })
        {
            var e = await Assert.ThrowsAsync<Piazza.Common.ValidationFailedException>(() => OrganizationService.CreateAsync(db, "Comune " + reserved, reserved, null, TimeProvider.System, CancellationToken.None));
            Assert.Contains("slug", e.Errors.Keys);
        }
    }
}
