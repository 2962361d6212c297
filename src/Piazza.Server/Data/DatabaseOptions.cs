namespace Piazza.Server.Data;

/// <summary>Which database Piazza uses. SQLite by default (a file under ./data); PostgreSQL when
/// <c>Database__Provider=Postgres</c> and <c>ConnectionStrings__Piazza</c> are set.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Applies pending migrations when the server starts (default true).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>Creates the demo municipality on first start when the database has no organization (default true).</summary>
    public bool SeedDemoOnStart { get; set; } = true;

    /// <summary>SQLite busy timeout: how long a writer waits for another writer's lock.</summary>
    public int SqliteBusyTimeoutMs { get; set; } = 5000;
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
