using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Piazza.Server.Tests.Broadcast;
using Xunit;

namespace Piazza.Server.Tests.PublicSite;

/// <summary>The server keeps a public page it rendered for <c>PublicSite:CacheFor</c> and answers the next visitors with it
/// (here a minute, so that the test is not a race): a new bulletin shows once the copy expires; another page of the
/// archive is another copy; a signed-in request is never answered from the copy.</summary>
public sealed class PublicSiteCacheTests(PublicSiteCacheTests.CachingFactory factory) : IClassFixture<PublicSiteCacheTests.CachingFactory>
{
    public sealed class CachingFactory : BroadcastFactory
    {
        private Dictionary<string, string?>? _settings;

        protected override IReadOnlyDictionary<string, string?> Settings => _settings ??= new Dictionary<string, string?>(base.Settings)
        {
            ["PublicSite:CacheFor"] = "00:01:00",
            ["PublicSite:PageSize"] = "1",
        };
    }

    [Fact]
    public async Task A_page_is_answered_from_the_servers_copy_until_it_expires()
    {
        var (n, slug) = await PublicSiteFactory.SiteAsync(factory);
        var visitor = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await PublicSiteFactory.PublishAsync(n, "Primo avviso", "Testo.");
        Assert.Contains("Primo avviso", await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it"), StringComparison.Ordinal);

        await PublicSiteFactory.PublishAsync(n, "Secondo avviso", "Testo.");
        using var cached = await visitor.GetAsync($"/{slug}/it");
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.NotNull(cached.Headers.Age);
        Assert.DoesNotContain("Secondo avviso", await cached.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Page 2 of the archive is a page of its own; an API key's request is not answered from the copy.
        Assert.Contains("Primo avviso", await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/archive?page=2"), StringComparison.Ordinal);
        Assert.Contains("Secondo avviso", await PublicSiteFactory.HtmlAsync(visitor, $"/{slug}/it/archive?page=1"), StringComparison.Ordinal);
        Assert.Contains("Secondo avviso", await PublicSiteFactory.HtmlAsync(n.Admin, $"/{slug}/it"), StringComparison.Ordinal);
    }
}
