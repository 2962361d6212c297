namespace Piazza.Common;

/// <summary>One page of a list and the total number of matching rows.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int Skip, int Take);

/// <summary>Paging arguments, clamped to sane bounds.</summary>
public readonly record struct Paging(int Skip = 0, int Take = 50)
{
    public const int MaxTake = 500;

    public Paging Clamp() => new(Math.Max(0, Skip), Math.Clamp(Take, 1, MaxTake));
}
