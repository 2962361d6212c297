using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;
using Xunit;

namespace Piazza.Server.Tests.Join;

/// <summary>The server's short copies of the public pages (<c>PublicSite:CacheFor</c>, here a minute so that the test is
/// not a race) keep each flyer campaign's and each second language's flyer apart, and the QR code of each campaign.</summary>
public sealed class JoinCacheTests(JoinCacheTests.CachingFactory factory) : IClassFixture<JoinCacheTests.CachingFactory>
{
    public sealed class CachingFactory : BroadcastFactory
    {
        private Dictionary<string, string?>? _settings;

        protected override IReadOnlyDictionary<string, string?> Settings => _settings ??= new Dictionary<string, string?>(base.Settings)
        {
            ["PublicSite:CacheFor"] = "00:01:00",
        };
    }

    [Fact]
    public async Task Each_campaigns_flyer_and_code_and_each_second_language_is_a_copy_of_its_own()
    {
        var n = await factory.NewsroomAsync(0, "Telegram");
        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "Uno", scene = "uno" });
        await n.Admin.PostJsonAsync($"/api/v1/channels/{n.ChannelId}/campaigns", new { name = "Due", scene = "due" });
        string slug;
        await using (var db = factory.Database.CreateContext())
        {
            slug = await db.Organizations.IgnoreQueryFilters().Where(o => o.Id == n.OrganizationId).Select(o => o.Slug).SingleAsync();
        }

        var visitor = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var flyer = $"/{slug}/it/channels/{n.ChannelId}/flyer";
        Assert.Contains("campaign=uno", await visitor.GetStringAsync(flyer + "?campaign=uno"), StringComparison.Ordinal);
        var second = await visitor.GetAsync(flyer + "?campaign=due");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var html = await second.Content.ReadAsStringAsync();
        Assert.Contains("campaign=due", html, StringComparison.Ordinal);
        Assert.DoesNotContain("campaign=uno", html, StringComparison.Ordinal);
        using (var again = await visitor.GetAsync(flyer + "?campaign=uno"))
        {
            Assert.NotNull(again.Headers.Age);   // the copy
            Assert.Contains("campaign=uno", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("lang=\"zh\"", await visitor.GetStringAsync(flyer + "?campaign=uno"), StringComparison.Ordinal);
        Assert.Contains("lang=\"zh\"", await visitor.GetStringAsync(flyer + "?campaign=uno&also=zh"), StringComparison.Ordinal);
        var one = await visitor.GetByteArrayAsync($"/{slug}/it/channels/{n.ChannelId}/qr.svg?campaign=uno");
        var two = await visitor.GetByteArrayAsync($"/{slug}/it/channels/{n.ChannelId}/qr.svg?campaign=due");
        Assert.NotEqual(one, two);
    }
}
