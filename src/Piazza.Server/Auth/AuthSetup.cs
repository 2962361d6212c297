using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Piazza.Data;
using Piazza.Server.Api;
using Piazza.Staff;

namespace Piazza.Server.Auth;

public static class AuthSetup
{
    /// <summary>Staff sign in to the console with ASP.NET Core Identity (hashed passwords, lockout, optional TOTP);
    /// programs call the API with an organization's API key.</summary>
    public static IServiceCollection AddPiazzaAuth(this IServiceCollection services, IConfiguration config)
    {
        services.AddAuthentication(IdentityConstants.ApplicationScheme)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(o =>
            {
                o.LoginPath = "/console/sign-in";
                o.LogoutPath = "/console/sign-out";
                o.AccessDeniedPath = "/console/forbidden";
                o.Cookie.Name = "piazza.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(10);
                o.SlidingExpiration = true;
            }));
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);

        services.AddIdentityCore<StaffUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 10;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.SignIn.RequireConfirmedAccount = false;
            })
            .AddEntityFrameworkStores<PiazzaDb>()
            .AddSignInManager<StaffSignInManager>()
            .AddClaimsPrincipalFactory<StaffClaimsFactory>()
            .AddDefaultTokenProviders();
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        services.AddAuthorizationBuilder()
            .AddPolicy(ApiEndpoints.ApiPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(StaffConsole.ConsoleSetup.StaffPolicy, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireAuthenticatedUser());
        return services;
    }
}
