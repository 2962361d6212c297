using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Piazza.Data;

namespace Piazza.Server.Data;

public static class DatabaseSetup
{
    public const string DefaultSqlite = "Data Source=data/piazza.db";

    public static IServiceCollection AddPiazzaDatabase(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<DatabaseOptions>().Bind(config.GetSection(DatabaseOptions.Section));
        var options = config.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = config.GetConnectionString("Piazza");
        if (options.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Database__Provider is Postgres but ConnectionStrings__Piazza is not set.");
        }

        services.AddSingleton(new SqlitePragmas(options.SqliteBusyTimeoutMs));
        services.AddDbContext<PiazzaDb>((sp, db) =>
        {
            if (options.Provider == DatabaseProvider.Postgres)
            {
                db.UseNpgsql(connectionString, o => o.MigrationsAssembly(typeof(PiazzaDb).Assembly.GetName().Name).UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery));
            }
            else
            {
                var cs = string.IsNullOrWhiteSpace(connectionString) ? DefaultSqlite : connectionString;
                EnsureDirectory(cs);
                db.UseSqlite(cs, o => o.UseQuerySplittingBehavior(QuerySplittingBehavior.SplitQuery)).AddInterceptors(sp.GetRequiredService<SqlitePragmas>());
            }

            // Migrations are hand-written with MigrationBuilder (no design-time package): there is no model
            // snapshot, and a test compares the migrated schema with the model instead.
            db.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        return services;
    }

    private static void EnsureDirectory(string connectionString)
    {
        var path = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (!string.IsNullOrEmpty(path) && path != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }
    }

    /// <summary>Tunes every SQLite connection for a server: WAL journal (readers don't block the writer),
    /// a busy timeout instead of instant "database is locked", NORMAL sync (safe with WAL), foreign keys on.</summary>
    public sealed class SqlitePragmas(int busyTimeoutMs) : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private void Apply(DbConnection connection)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={busyTimeoutMs}; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
            cmd.ExecuteNonQuery();
        }
    }
}
