using Piazza.Server.Api;
using Piazza.Server.Auth;
using Piazza.Server.StaffConsole;
using Piazza.Server.Data;
using Piazza.Server.Health;
using Piazza.Server.Hooks;
using Piazza.Server.Hosting;
using Piazza.Server.PublicSite;
using Piazza.Server.Sandbox;

// Piazza's server: the staff console, the HTTP API, public pages, webhooks and background work, in one process.
// This file is the table of contents; each feature registers itself from its own folder.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // `dotnet run --project src/Piazza.Server` runs in the project folder; a published or copied binary
    // started from elsewhere still finds its appsettings.json next to itself.
    ContentRootPath = File.Exists("appsettings.json") ? null : AppContext.BaseDirectory,
});

// Static files (Bootstrap Italia, the console's scripts, their gzip and Brotli copies) as the build laid them out; in a
// published copy they are in wwwroot and this does nothing. Without it, `dotnet run` outside Development answered
// browsers asking for compressed files with empty bodies.
builder.WebHost.UseStaticWebAssets();

builder.Services.AddPiazzaDatabase(builder.Configuration);   // Data/: SQLite (default) or PostgreSQL, one DbContext
builder.Services.AddPiazzaFeatures(builder.Configuration);   // Hosting/: tenancy, actors, audit, feature services, channel catalog
builder.Services.AddPiazzaAuth(builder.Configuration);       // Auth/: Identity for staff, API keys for the API
builder.Services.AddPiazzaApi();                             // Api/: /api/v1, problem+json, OpenAPI
builder.Services.AddPiazzaConsole();                         // StaffConsole/: Blazor staff console, it/en
builder.Services.AddPiazzaPublicSite();                      // PublicSite/: the citizens' site per organization and language, Atom feeds
builder.Services.AddPiazzaHealth();                          // Health/: /healthz, /readyz
builder.Services.AddPiazzaHooks();                           // Hooks/: the platforms' webhooks (/hooks/whatsapp/…)
builder.Services.AddPiazzaSandbox();                         // Sandbox/: the platforms' simulators (/sandbox/whatsapp/…), the citizen phone

var app = builder.Build();

app.UsePiazzaErrors();        // problem+json for the API, an error page for the console
app.UsePiazzaSecurityHeaders();
app.UseRequestLocalization();
app.UseAuthentication();
app.UseAuthorization();
app.UseTenant();              // the organization of the user or API key limits every query (after authorization:
                              // an endpoint's policy may authenticate another scheme, e.g. the API's keys)
app.UseAntiforgery();
app.UsePiazzaPublicSiteCompression();   // the public site's pages and feeds, compressed for slow phones
app.UseOutputCache();         // the public site's pages, a few seconds (PublicSite:CacheFor)

app.MapStaticAssets();
app.MapPiazzaHealth();
app.MapPiazzaApi();
app.MapPiazzaConsole();
app.MapPiazzaPublicSite();
app.MapPiazzaHooks();
app.MapPiazzaSandbox();

return await Cli.RunAsync(app, args);   // no verb: run the server; else migrate, seed-demo, create-org, …

/// <summary>The server's entry point (public for the integration tests' WebApplicationFactory).</summary>
public partial class Program;
