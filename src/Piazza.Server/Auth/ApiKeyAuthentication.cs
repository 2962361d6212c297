using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Piazza.ApiKeys;
using Piazza.Data;

namespace Piazza.Server.Auth;

/// <summary><c>Authorization: Bearer pz_…</c>: looks the key up by its SHA-256 hash and signs in as that
/// key, with its organization and scopes as claims.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, PiazzaDb db, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var presented = header["Bearer ".Length..].Trim();
        var key = await ApiKeyService.FindByKeyAsync(db, presented, Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (key.LastUsedAt is null || now - key.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            await db.ApiKeys.IgnoreQueryFilters().Where(k => k.Id == key.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
        }

        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, key.Id.ToString()),
            new(ClaimTypes.Name, "API key " + key.Name),
            new(PiazzaClaims.ApiKeyId, key.Id.ToString()),
            new(PiazzaClaims.Organization, key.OrganizationId.ToString()),
            .. key.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => new Claim(PiazzaClaims.Scope, s)),
        ];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(
            statusCode: 401,
            title: "Authentication required",
            detail: "Send an API key of your organization: Authorization: Bearer <key>.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(statusCode: 403, title: "Forbidden").ExecuteAsync(Context);
    }
}
