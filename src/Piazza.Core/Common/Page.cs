namespace Piazza.Common;

/// <summary>One page of a list and the total number of matching rows.</summary>
/// <param name="Items">The rows of this page.</param>
/// <param name="Total">How many rows match, in all pages.</param>
/// <param name="Skip">How many rows come before this page.</param>
/// <param name="Take">The page size (at most 500).</param>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int Skip, int Take);

/// <summary>Paging arguments, clamped to sane bounds.</summary>
public readonly record struct Paging(int Skip = 0, int Take = 50)
{
    public const int MaxTake = 500;

    public Paging Clamp() => new(Math.Max(0, Skip), Math.Clamp(Take, 1, MaxTake));
}
