using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;
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

    public static IServiceCollection AddPiazzaPublicSite(this IServiceCollection services)
    {
        services.AddOptions<PublicSiteOptions>().BindConfiguration(PublicSiteOptions.Section)
            .Validate(o => o.EmergencyPinnedFor > TimeSpan.Zero && o.PageSize is > 0 and <= 200 && o.HomeSize is > 0 and <= 100 && o.FeedSize is > 0 and <= 500,
                "PublicSite: EmergencyPinnedFor must be positive, PageSize 1–200, HomeSize 1–100, FeedSize 1–500.")
            .Validate(o => o.CacheFor >= TimeSpan.Zero && o.CacheFor <= TimeSpan.FromMinutes(10), "PublicSite: CacheFor must be between 0 and 10 minutes.")
            .ValidateOnStart();
        // Pages and feeds are the same for every visitor: kept a few seconds (PublicSite:CacheFor), per address and page.
        services.AddOutputCache();
        services.AddOptions<Microsoft.AspNetCore.OutputCaching.OutputCacheOptions>()
            .Configure<IOptions<PublicSiteOptions>>((cache, site) => cache.AddPolicy(CachePolicy, b =>
            {
                b.SetVaryByQuery("page").SetVaryByHeader("Accept-Language");
                if (site.Value.CacheFor > TimeSpan.Zero)
                {
                    b.Expire(site.Value.CacheFor);
                }
                else
                {
                    b.NoCache();
                }
            }));
        services.AddScoped<PublicSiteService>();
        // Pages are written in UTF-8 as they are: Chinese text as characters, not as numeric entities three times longer.
        services.AddWebEncoders(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        return services;
    }

    public static IEndpointRouteBuilder MapPiazzaPublicSite(this IEndpointRouteBuilder app)
    {
        app.MapPublicNews();   // home, archives, bulletins' permanent pages, Atom feeds
        return app;
    }

    /// <summary>A public address: GET, and HEAD for link checkers and crawlers (the server sends the headers only).</summary>
    public static RouteHandlerBuilder MapGetHead(this IEndpointRouteBuilder app, string pattern, Delegate handler) =>
        app.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Head], handler);

    /// <summary>A page rendered from a component, with its status.</summary>
    public static RazorComponentResult<TComponent> Page<TComponent>(object parameters, int status = StatusCodes.Status200OK)
        where TComponent : Microsoft.AspNetCore.Components.IComponent =>
        new(parameters) { StatusCode = status, PreventStreamingRendering = true };
}
