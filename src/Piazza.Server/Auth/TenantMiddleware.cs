using Piazza.Tenancy;

namespace Piazza.Server.Auth;

/// <summary>Sets the request's organization from the authenticated user or API key. Without one, every
/// organization-owned query returns nothing.</summary>
public static class TenantMiddleware
{
    public static IApplicationBuilder UseTenant(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.User.Identity?.IsAuthenticated == true
            && Guid.TryParse(context.User.FindFirst(PiazzaClaims.Organization)?.Value, out var org))
        {
            context.RequestServices.GetRequiredService<TenantContext>().Set(org);
        }

        await next(context);
    });
}
