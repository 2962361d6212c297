using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;
using Piazza.PublicSite;

namespace Piazza.Server.PublicSite;

/// <summary>
/// The public site: server-rendered pages (Razor components rendered to HTML, no script) in each language of each
/// organization, at <c>/{organization}/{language}/…</c>, and their Atom feeds. No sign-in; nothing personal is shown.
/// </summary>
public static class PublicSiteSetup
{
    public static IServiceCollection AddPiazzaPublicSite(this IServiceCollection services)
    {
        services.AddOptions<PublicSiteOptions>().BindConfiguration(PublicSiteOptions.Section)
            .Validate(o => o.EmergencyPinnedFor > TimeSpan.Zero && o.PageSize is > 0 and <= 200 && o.HomeSize is > 0 and <= 100 && o.FeedSize is > 0 and <= 500,
                "PublicSite: EmergencyPinnedFor must be positive, PageSize 1–200, HomeSize 1–100, FeedSize 1–500.")
            .ValidateOnStart();
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

    /// <summary>A page rendered from a component, with its status.</summary>
    public static RazorComponentResult<TComponent> Page<TComponent>(object parameters, int status = StatusCodes.Status200OK)
        where TComponent : Microsoft.AspNetCore.Components.IComponent =>
        new(parameters) { StatusCode = status, PreventStreamingRendering = true };
}
