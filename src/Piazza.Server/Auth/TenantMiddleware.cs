using Microsoft.AspNetCore.Authentication;
using Piazza.Tenancy;

namespace Piazza.Server.Auth;

/// <summary>Sets the request's organization from the authenticated user or API key. Without one, every
/// organization-owned query returns nothing.</summary>
public static class TenantMiddleware
{
    public static IApplicationBuilder UseTenant(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true
            && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            // API keys are not the default scheme: authorization authenticates them later (the handler keeps the
            // result for the request), but the organization must be known before the endpoint runs.
            var result = await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
            user = result.Succeeded ? result.Principal : user;
        }

        if (user.Identity?.IsAuthenticated == true
            && Guid.TryParse(user.FindFirst(PiazzaClaims.Organization)?.Value, out var org))
        {
            context.RequestServices.GetRequiredService<TenantContext>().Set(org);
        }

        await next(context);
    });
}
