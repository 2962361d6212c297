using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using Piazza.PublicSite;

namespace Piazza.Server.PublicSite;

/// <summary>
/// The public site: server-rendered pages (Razor components rendered to HTML, no script) in each language of each
/// organization, at <c>/{organization}/{language}/…</c>, and their Atom feeds. No sign-in; nothing personal is shown.
/// </summary>
public static class PublicSiteSetup
{
    /// <summary>The output-cache policy of the public pages and feeds.</summary>
    public const string CachePolicy = "public-site";

    /// <summary>The first segment of a public address: an organization's slug.</summary>
    public const string OrgSegment = "{org:regex(^[a-z][a-z0-9-]{{1,59}}$)}";

    /// <summary>The second segment: a language tag (checked against the organization's languages by <see cref="PublicRequest"/>).</summary>
    public const string LangSegment = "{lang:regex(^[A-Za-z]{{2,3}}(-[A-Za-z0-9]{{2,8}}){{0,3}}$)}";

    /// <summary>An output-cache policy of public pages: kept <c>PublicSite:CacheFor</c> (not at all when zero), a copy per
    /// address, per value of <paramref name="varyByQuery"/> and per Accept-Language (which picks a language at the
    /// organization's bare address).</summary>
    public static IServiceCollection AddPublicCachePolicy(this IServiceCollection services, string name, params string[] varyByQuery)
    {
        services.AddOptions<OutputCacheOptions>()
            .Configure<IOptions<PublicSiteOptions>>((cache, site) => cache.AddPolicy(name, b =>
            {
                b.SetVaryByQuery(varyByQuery).SetVaryByHeader("Accept-Language");
                if (site.Value.CacheFor > TimeSpan.Zero)
                {
                    b.Expire(site.Value.CacheFor);
                }
                else
                {
                    b.NoCache();
                }
            }));
        return services;
    }

    public static IServiceCollection AddPiazzaPublicSite(this IServiceCollection services)
    {
        services.AddOptions<PublicSiteOptions>().BindConfiguration(PublicSiteOptions.Section)
            .Validate(o => o.EmergencyPinnedFor > TimeSpan.Zero && o.PageSize is > 0 and <= 200 && o.HomeSize is > 0 and <= 100 && o.FeedSize is > 0 and <= 500,
                "PublicSite: EmergencyPinnedFor must be positive, PageSize 1–200, HomeSize 1–100, FeedSize 1–500.")
            .Validate(o => o.CacheFor >= TimeSpan.Zero && o.CacheFor <= TimeSpan.FromMinutes(10), "PublicSite: CacheFor must be between 0 and 10 minutes.")
            .ValidateOnStart();
        // Pages and feeds are the same for every visitor: kept a few seconds (PublicSite:CacheFor), per address and page.
        services.AddOutputCache();
        services.AddPublicCachePolicy(CachePolicy, "page");
        services.AddScoped<PublicSiteService>();
        // Pages, feeds and QR images travel compressed (a page of 14 KB is about 3 KB): phones on slow networks. They hold
        // no secret a compression side channel could reveal, so HTTPS responses are compressed too.
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = ["text/html", "application/atom+xml", "image/svg+xml"];
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.AddPublicJoin();   // the subscribe page, policies and flyers: cached per campaign and language too
        // Pages are written in UTF-8 as they are: Chinese text as characters, not as numeric entities three times longer.
        services.AddWebEncoders(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        return services;
    }

    /// <summary>Compresses the public site's responses (not the console's, the API's or the webhooks').</summary>
    public static IApplicationBuilder UsePiazzaPublicSiteCompression(this IApplicationBuilder app) =>
        app.UseWhen(c => c.GetEndpoint()?.Metadata.GetMetadata<PublicSiteEndpoint>() is not null, b => b.UseResponseCompression());

    public static IEndpointRouteBuilder MapPiazzaPublicSite(this IEndpointRouteBuilder app)
    {
        app.MapPublicNews();   // home, archives, bulletins' permanent pages, Atom feeds
        app.MapPublicJoin();   // the subscribe page with each channel's QR code, the channels' policies, printable flyers
        return app;
    }

    /// <summary>A public address: GET, and HEAD for link checkers and crawlers (the server sends the headers only).</summary>
    public static RouteHandlerBuilder MapGetHead(this IEndpointRouteBuilder app, string pattern, Delegate handler) =>
        app.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Head], handler).WithMetadata(new PublicSiteEndpoint());

    /// <summary>Marks the public site's endpoints (their responses are compressed).</summary>
    public sealed class PublicSiteEndpoint;

    /// <summary>A page rendered from a component, with its status.</summary>
    public static RazorComponentResult<TComponent> Page<TComponent>(object parameters, int status = StatusCodes.Status200OK)
        where TComponent : Microsoft.AspNetCore.Components.IComponent =>
        new(parameters) { StatusCode = status, PreventStreamingRendering = true };
}
