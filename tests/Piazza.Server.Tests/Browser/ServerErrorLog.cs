using Microsoft.Extensions.Logging;

namespace Piazza.Server.Tests.Browser;

/// <summary>Writes the browser tests' server errors (with their exceptions) to a file next to the screenshots, so that a page
/// that failed with "An unhandled exception occurred" in CI says why.</summary>
public sealed class ServerErrorLog(string path) : ILoggerProvider
{
    private static readonly Lock Gate = new();

    public ILogger CreateLogger(string categoryName) => new Writer(path, categoryName);

    public void Dispose()
    {
    }

    private sealed class Writer(string path, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (message.Contains("\"__EFMigrationsHistory\"", StringComparison.Ordinal))
            {
                return; // (the migrator's first look for its history table, before the table exists, is expected to fail)
            }

            lock (Gate)
            {
                File.AppendAllText(path, $"{DateTime.UtcNow:O} {logLevel} {category}: {message}\n{exception}\n\n");
            }
        }
    }
}
