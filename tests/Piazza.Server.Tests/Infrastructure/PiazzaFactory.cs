using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Piazza.ApiKeys;
using Piazza.Data;
using Piazza.Organizations;
using Xunit;

namespace Piazza.Server.Tests.Infrastructure;

/// <summary>
/// The real server (full HTTP pipeline, real database from <see cref="TestDatabase"/>) for one test class,
/// without the demo: tests create the organizations and API keys they need.
/// </summary>
public class PiazzaFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public TestDatabase Database { get; } = new();

    /// <summary>Extra settings for subclasses (e.g. seed the demo).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        _ = Services; // start the host: migrations run now, not in the first test
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Database.Configure(builder);
        builder.UseEnvironment("Testing");
        builder.UseSetting("Database:SeedDemoOnStart", "false");
        // The WeChat accounts' periodic tag and menu work is driven by the tests that need it.
        builder.UseSetting("WeChat:MaintenanceEnabled", "false");
        // Tests look at the public site right after changing it: no page is kept (PublicSiteCacheTests turns it on).
        builder.UseSetting("PublicSite:CacheFor", "00:00:00");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Creates an organization (languages it and zh) and returns its id.</summary>
    public async Task<Guid> CreateOrganizationAsync(string name, IReadOnlyList<string>? languages = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var org = await OrganizationService.CreateAsync(db, name, null, languages, TimeProvider.System, CancellationToken.None);
        return org.Id;
    }

    /// <summary>Creates an API key of <paramref name="organizationId"/> with <paramref name="scopes"/> (default all) and returns the secret.</summary>
    public async Task<string> CreateApiKeyAsync(Guid organizationId, string scopes = "all", string name = "tests")
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var (key, secret) = ApiKeyService.New(organizationId, name, scopes, DateTime.UtcNow);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync();
        return secret;
    }

    /// <summary>An HTTP client that presents <paramref name="apiKey"/>.</summary>
    public HttpClient ClientWithKey(string apiKey)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientOptions.BaseAddress });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>A new organization and a client holding an all-scopes key of it.</summary>
    public async Task<(Guid OrganizationId, HttpClient Client)> NewOrganizationClientAsync(string name, string scopes = "all")
    {
        var org = await CreateOrganizationAsync(name);
        return (org, ClientWithKey(await CreateApiKeyAsync(org, scopes)));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Database.DisposeAsync();
    }
}
