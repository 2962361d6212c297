using System.Security.Claims;
using Piazza.Audit;

namespace Piazza.Server.Auth;

/// <summary>The actor of an HTTP request: the signed-in staff member or the API key.</summary>
public sealed class HttpActor(IHttpContextAccessor accessor) : IActor
{
    private ClaimsPrincipal User => accessor.HttpContext?.User ?? new ClaimsPrincipal();

    public ActorKind Kind => User.HasClaim(c => c.Type == PiazzaClaims.ApiKeyId) ? ActorKind.ApiKey : ActorKind.User;

    public string? Id => User.FindFirstValue(ClaimTypes.NameIdentifier);

    public string Name => User.FindFirstValue(ClaimTypes.Email) ?? User.FindFirstValue(ClaimTypes.Name) ?? "anonymous";

    public string? RemoteIp => accessor.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public Guid? UserId => Kind == ActorKind.User && Guid.TryParse(Id, out var id) ? id : null;

    public bool HasScope(string scope) => User.HasClaim(PiazzaClaims.Scope, scope);
}
