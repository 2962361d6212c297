using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;
using Xunit;

namespace Piazza.Server.Tests.PublicSite;

/// <summary>An emergency stays pinned at the top of the public site's home until it expires: its end of validity, else a
/// day after it was published; ending it early unpins it at once. On a clock the test moves.</summary>
public sealed class PinnedEmergencyTests(ClockedBroadcastFactory factory) : IClassFixture<ClockedBroadcastFactory>
{
    [Fact]
    public async Task An_emergency_is_pinned_until_it_expires_and_ending_it_early_unpins_it()
    {
        var (n, slug) = await PublicSiteFactory.SiteAsync(factory);
        var visitor = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var now = factory.Clock.GetUtcNow().UtcDateTime;

        var storm = await PublishAsync(n, "Allerta temporali", "Emergency", now.AddHours(2));
        var flood = await PublishAsync(n, "Allerta piena del Bisenzio", "Emergency", null);
        var routine = await PublishAsync(n, "Mercato spostato", "Normal", null);

        var home = await PinnedAsync(visitor, slug);
        Assert.Contains("Allerta temporali", home, StringComparison.Ordinal);
        Assert.Contains("Allerta piena del Bisenzio", home, StringComparison.Ordinal);
        Assert.DoesNotContain("Mercato spostato", home, StringComparison.Ordinal);

        // Three hours later the storm alert has expired: off the top, still in the archive, its page says it is over.
        factory.Clock.Advance(TimeSpan.FromHours(3));
        home = await PinnedAsync(visitor, slug);
        Assert.DoesNotContain("Allerta temporali", home, StringComparison.Ordinal);
        Assert.Contains("Allerta piena del Bisenzio", home, StringComparison.Ordinal);
        Assert.Contains(storm.ToString("D"), await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/archive?page=1"), StringComparison.Ordinal);
        Assert.Contains("Questa allerta è terminata il", await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/bulletins/{storm:D}"), StringComparison.Ordinal);

        // Without an end of validity, a day after it was published.
        factory.Clock.Advance(TimeSpan.FromHours(20.5));
        Assert.Contains("Allerta piena del Bisenzio", await PinnedAsync(visitor, slug), StringComparison.Ordinal);
        factory.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(string.Empty, await PinnedAsync(visitor, slug));

        // A new alert, ended early by the civil protection: unpinned at once.
        var fire = await PublishAsync(n, "Incendio a Figline: finestre chiuse", "Emergency", null);
        Assert.Contains("Incendio a Figline", await PinnedAsync(visitor, slug), StringComparison.Ordinal);
        await n.Author.PostJsonAsync($"/api/v1/bulletins/{fire}/expiry", new { expiresAt = factory.Clock.GetUtcNow().UtcDateTime }, HttpStatusCode.OK);
        Assert.Equal(string.Empty, await PinnedAsync(visitor, slug));
        _ = (flood, routine);
    }

    /// <summary>The pinned section of the home ("" when there is none).</summary>
    private static async Task<string> PinnedAsync(HttpClient visitor, string slug)
    {
        var html = await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it");
        var start = html.IndexOf("data-testid=\"pinned\"", StringComparison.Ordinal);
        return start < 0 ? string.Empty : html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    private async Task<Guid> PublishAsync(Newsroom n, string title, string priority, DateTime? expiresAt)
    {
        var created = await n.Author.PostJsonAsync("/api/v1/bulletins", new
        {
            topicId = n.TopicId, priority, channelIds = new[] { n.ChannelId }, expiresAt,
            bodies = new Dictionary<string, object> { ["it"] = new { title, markdown = "Testo dell'avviso." } },
        });
        var id = Guid.Parse(created.Id());
        await n.Author.PostJsonAsync($"/api/v1/bulletins/{id}/submit", null, HttpStatusCode.OK);
        await BroadcastFactory.ApproveAsync(n, id);
        await factory.StepAsync(n.ChannelId);
        var bulletin = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}");
        Assert.Equal("Sent", (string?)bulletin["state"]);
        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        return id;
    }
}
