using Piazza.Audit;
using Piazza.Staff;

namespace Piazza.Server.Auth;

/// <summary>A staff member as the actor of an audit entry written while they are signing in (before the request
/// carries their cookie). Has no permissions: it only names who acted.</summary>
public sealed class UserActor(StaffUser user, string? remoteIp) : IActor
{
    public ActorKind Kind => ActorKind.User;

    public string? Id { get; } = user.Id.ToString();

    public string Name { get; } = user.Email ?? user.UserName ?? user.Id.ToString();

    public string? RemoteIp { get; } = remoteIp;

    public Guid? UserId { get; } = user.Id;

    public bool HasScope(string scope) => false;
}
