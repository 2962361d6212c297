using Piazza.Audit;

namespace Piazza.Bench;

/// <summary>Someone of the benchmark's newsroom, with every scope (like an all-scopes API key). Author, translator and
/// approver are different actors: the workflow refuses an approval by the author.</summary>
public sealed class BenchActor(string name) : IActor
{
    public Guid Key { get; } = Guid.NewGuid();

    public ActorKind Kind => ActorKind.ApiKey;

    public string? Id => Key.ToString();

    public string Name { get; } = name;

    public string? RemoteIp => null;

    public Guid? UserId => null;

    public bool HasScope(string scope) => true;
}
