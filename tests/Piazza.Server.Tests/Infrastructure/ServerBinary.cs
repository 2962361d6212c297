using System.Diagnostics;
using Xunit;

namespace Piazza.Server.Tests.Infrastructure;

/// <summary>The real server binary (<c>dotnet Piazza.Server.dll …</c>) as a separate process, the way an operator
/// runs it: the command-line verbs, and a server that a test can kill.</summary>
public static class ServerBinary
{
    public static readonly string Dll = Path.Combine(Repository.Root, "src", "Piazza.Server", "bin", Repository.Configuration, "net10.0", "Piazza.Server.dll");

    /// <summary>How to start it with <paramref name="args"/>: output redirected, none of the test host's environment
    /// (URLs, environment name) leaking in. Add the settings the test needs to <see cref="ProcessStartInfo.Environment"/>.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        Assert.True(File.Exists(Dll), $"{Dll} is missing: build src/Piazza.Server in {Repository.Configuration} first.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS" })
        {
            start.Environment.Remove(name);
        }

        return start;
    }
}
