using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Piazza.Server.StaffConsole;

public static class ConsoleSetup
{
    /// <summary>Authorization policy of the console: a signed-in staff member.</summary>
    public const string StaffPolicy = "staff";

    public static readonly string[] Cultures = ["it", "en"];

    /// <summary>The staff console: Blazor components rendered on the server (static rendering with enhanced
    /// navigation and forms: fast on any connection, no socket to keep open), Italian by default, English too.</summary>
    public static IServiceCollection AddPiazzaConsole(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddCascadingAuthenticationState();
        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            var cultures = Cultures.Select(c => new CultureInfo(c)).ToList();
            o.DefaultRequestCulture = new RequestCulture("it");
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;
            o.RequestCultureProviders = [new QueryStringRequestCultureProvider(), new CookieRequestCultureProvider()];
        });
        return services;
    }

    public static IEndpointRouteBuilder MapPiazzaConsole(this IEndpointRouteBuilder app)
    {
        app.MapRazorComponents<App>();
        app.MapPost("/console/sign-out", SignOutAsync).RequireAuthorization(StaffPolicy).ExcludeFromDescription();
        app.MapBulletinConsole();
        app.MapSubscriberImportConsole();
        app.MapCampaignConsole();   // flyer QR codes (PNG, SVG); the comment forms of a bulletin's page
        app.MapGet("/console/culture/{culture}", (string culture, string? returnUrl, HttpContext context) =>
        {
            if (Cultures.Contains(culture, StringComparer.Ordinal))
            {
                SetCultureCookie(context, culture);
            }

            return Results.LocalRedirect(returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) ? returnUrl : "/console");
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>A local return address (never another site: no "//host" or "/\\host"), else the console's home.</summary>
    public static string SafeReturnUrl(string? url) =>
        url is { Length: > 1 } && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/console";

    public static void SetCultureCookie(HttpContext context, string culture) =>
        context.Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, HttpOnly = true, SameSite = SameSiteMode.Lax });

    private static async Task<IResult> SignOutAsync(Microsoft.AspNetCore.Identity.SignInManager<Staff.StaffUser> signIn)
    {
        await signIn.SignOutAsync();
        return Results.Redirect("/console/sign-in");
    }
}
