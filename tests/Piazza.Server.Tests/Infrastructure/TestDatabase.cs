using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Piazza.Data;
using Xunit;

namespace Piazza.Server.Tests.Infrastructure;

/// <summary>
/// A database of its own for one test class: a SQLite file, or a fresh database on the PostgreSQL server
/// that ./test.sh starts. PIAZZA_TEST_DB chooses (sqlite, the default, or postgres); for postgres
/// PIAZZA_TEST_PG holds the server's connection string. A missing server is an error, never a skip.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public static string Kind { get; } = (Environment.GetEnvironmentVariable("PIAZZA_TEST_DB") ?? "sqlite").ToLowerInvariant();

    public static bool IsPostgres => Kind == "postgres";

    private readonly string _name = "piazza_test_" + Guid.NewGuid().ToString("N")[..16];

    public string ConnectionString { get; private set; } = "";

    public string Provider => IsPostgres ? "Postgres" : "Sqlite";

    public async Task InitializeAsync()
    {
        if (IsPostgres)
        {
            var server = Environment.GetEnvironmentVariable("PIAZZA_TEST_PG")
                ?? throw new InvalidOperationException("PIAZZA_TEST_DB=postgres needs PIAZZA_TEST_PG (the server's connection string). Run ./test.sh, which starts a throwaway PostgreSQL cluster.");
            await using (var admin = new NpgsqlConnection(server))
            {
                await admin.OpenAsync();
                await using var cmd = admin.CreateCommand();
                cmd.CommandText = $"CREATE DATABASE {_name}";
                await cmd.ExecuteNonQueryAsync();
            }

            ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = _name }.ConnectionString;
        }
        else
        {
            if (Kind != "sqlite")
            {
                throw new InvalidOperationException($"PIAZZA_TEST_DB must be sqlite or postgres, not '{Kind}'.");
            }

            var dir = Path.Combine(Path.GetTempPath(), "piazza-tests");
            Directory.CreateDirectory(dir);
            ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, _name + ".db") }.ToString();
        }
    }

    /// <summary>Points the server under test at this database.</summary>
    public void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Database:Provider", Provider);
        builder.UseSetting("ConnectionStrings:Piazza", ConnectionString);
        builder.UseSetting("Security:MasterKeyFile", MasterKeyFile);
    }

    /// <summary>The master key of this database's server, in the temporary folder (not in the source tree).</summary>
    public string MasterKeyFile => Path.Combine(Path.GetTempPath(), "piazza-tests", _name + ".key");

    /// <summary>A context without a tenant, to look at rows directly (use IgnoreQueryFilters).</summary>
    public PiazzaDb CreateContext()
    {
        var options = new DbContextOptionsBuilder<PiazzaDb>();
        if (IsPostgres)
        {
            options.UseNpgsql(ConnectionString);
        }
        else
        {
            options.UseSqlite(ConnectionString);
        }

        return new PiazzaDb(options.Options);
    }

    public async Task DisposeAsync()
    {
        if (IsPostgres)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(Environment.GetEnvironmentVariable("PIAZZA_TEST_PG"));
            await admin.OpenAsync();
            await using var cmd = admin.CreateCommand();
            cmd.CommandText = $"DROP DATABASE IF EXISTS {_name} WITH (FORCE)";
            await cmd.ExecuteNonQueryAsync();
            File.Delete(MasterKeyFile);
        }
        else
        {
            SqliteConnection.ClearAllPools();
            File.Delete(MasterKeyFile);
            var path = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
