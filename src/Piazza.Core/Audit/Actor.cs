namespace Piazza.Audit;

/// <summary>Who is acting in this scope: a signed-in user, an API key, the system, or a command-line verb.</summary>
public interface IActor
{
    ActorKind Kind { get; }

    /// <summary>User id, API key id, or null.</summary>
    string? Id { get; }

    /// <summary>A name fit for the audit log: the user's e-mail, the key's name, "system".</summary>
    string Name { get; }

    string? RemoteIp { get; }

    /// <summary>The user id when a person acts (used as author / approver), else null.</summary>
    Guid? UserId { get; }

    bool HasScope(string scope);
}

/// <summary>The actor for background work and command-line verbs: may do everything.</summary>
public sealed class SystemActor(ActorKind kind = ActorKind.System, string name = "system") : IActor
{
    public ActorKind Kind { get; } = kind;

    public string? Id => null;

    public string Name { get; } = name;

    public string? RemoteIp => null;

    public Guid? UserId => null;

    public bool HasScope(string scope) => true;
}
