namespace Piazza.Server.Tests.Infrastructure;

/// <summary>The repository's files, found by walking up from the test assembly to Piazza.slnx.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration the tests were built with.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Piazza.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Piazza.slnx not found above " + AppContext.BaseDirectory);
    }
}
