using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Piazza.Bench;

/// <summary>The database of one run: where it is, what it is, and how to get rid of it.</summary>
public abstract class BenchDatabase : IAsyncDisposable
{
    /// <summary>"Sqlite" or "Postgres", for Database:Provider.</summary>
    public abstract string Provider { get; }

    public abstract string ConnectionString { get; }

    /// <summary>What database this is and with which settings (printed with the results).</summary>
    public string Description { get; protected set; } = string.Empty;

    /// <summary>True when the benchmark created the database and deletes it at the end.</summary>
    public abstract bool Throwaway { get; }

    public static async Task<BenchDatabase> CreateAsync(BenchDb db, CancellationToken ct)
    {
        if (db == BenchDb.Sqlite)
        {
            return new SqliteBenchDatabase();
        }

        var external = Environment.GetEnvironmentVariable("ConnectionStrings__Piazza");
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new PostgresBenchDatabase(external, null);
        }

        var cluster = await PostgresCluster.StartAsync(ct);
        return new PostgresBenchDatabase(cluster.ConnectionString, cluster);
    }

    public abstract ValueTask DisposeAsync();
}

/// <summary>A new SQLite file in a temporary directory, deleted at the end (with its -wal and -shm files).</summary>
public sealed class SqliteBenchDatabase : BenchDatabase
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("piazza-bench-sqlite.");

    public SqliteBenchDatabase()
    {
        Path = System.IO.Path.Combine(_dir.FullName, "bench.db");
        Description = $"SQLite {SqliteVersion()}, new file {Path} (the server's pragmas: journal_mode=WAL, synchronous=NORMAL, busy_timeout=5000)";
    }

    public string Path { get; }

    public override string Provider => "Sqlite";

    public override string ConnectionString => $"Data Source={Path}";

    public override bool Throwaway => true;

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"Could not delete {_dir.FullName}: {e.Message}");
        }

        return ValueTask.CompletedTask;
    }

    private static string SqliteVersion()
    {
        using var c = new SqliteConnection("Data Source=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT sqlite_version()";
        return Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "?";
    }
}

/// <summary>A PostgreSQL database: the one of ConnectionStrings__Piazza (left in place; the benchmark deletes the rows
/// it wrote) or a throwaway cluster.</summary>
public sealed class PostgresBenchDatabase(string connectionString, PostgresCluster? cluster) : BenchDatabase
{
    public override string Provider => "Postgres";

    public override string ConnectionString { get; } = connectionString;

    public override bool Throwaway => cluster is not null;

    /// <summary>Reads the server's version and durability settings into <see cref="BenchDatabase.Description"/>.</summary>
    public async Task DescribeAsync(CancellationToken ct)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'),
                   current_setting('full_page_writes'), current_setting('shared_buffers'), current_setting('max_connections')
            """;
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var where = cluster is null
            ? $"the server of ConnectionStrings__Piazza ({c.Host}:{c.Port}, database {c.Database})"
            : $"a throwaway cluster on 127.0.0.1:{cluster.Port} ({cluster.Directory})";
        Description = $"PostgreSQL {r.GetString(0)}, {where}; fsync={r.GetString(1)}, synchronous_commit={r.GetString(2)}, "
            + $"full_page_writes={r.GetString(3)}, shared_buffers={r.GetString(4)}, max_connections={r.GetString(5)}";
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }
}

/// <summary>A throwaway PostgreSQL cluster on 127.0.0.1 as ./test.sh starts it: initdb + pg_ctl from the newest
/// /usr/lib/postgresql/*/bin, run as the postgres user when we are root, without durability (like the tests).</summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    /// <summary>The server options: those of the tests (./test.sh).</summary>
    public const string Options = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";

    private readonly string _bin;
    private int _stopped;

    private PostgresCluster(string bin, string directory, int port)
    {
        _bin = bin;
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    private string DataDir => Path.Combine(Directory, "data");

    public string ConnectionString =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50";

    private static bool IsRoot => Environment.UserName == "root";

    public static async Task<PostgresCluster> StartAsync(CancellationToken ct)
    {
        var bin = System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderBy(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : new Version(0, 0))
                .LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): install it (apt-get install postgresql) or set ConnectionStrings__Piazza.");
        }

        var dir = System.IO.Directory.CreateTempSubdirectory("piazza-bench-pg.").FullName;
        var cluster = new PostgresCluster(bin, dir, FreePort());
        try
        {
            if (IsRoot)
            {
                await RunAsync("chown", ["postgres", dir], asPostgres: false, ct);
            }

            Console.Error.WriteLine($"Starting a throwaway PostgreSQL cluster ({bin}) on 127.0.0.1:{cluster.Port} with {Options}");
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", cluster.DataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"], IsRoot, ct);
            await RunAsync(Path.Combine(bin, "pg_ctl"),
                ["-D", cluster.DataDir, "-l", Path.Combine(dir, "pg.log"), "-w", "-t", "60",
                 "-o", $"-h 127.0.0.1 -p {cluster.Port.ToString(CultureInfo.InvariantCulture)} -k {dir} {Options}", "start"], IsRoot, ct);
            return cluster;
        }
        catch
        {
            var log = Path.Combine(dir, "pg.log");
            if (File.Exists(log))
            {
                Console.Error.WriteLine(await File.ReadAllTextAsync(log, CancellationToken.None));
            }

            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server at once and deletes its files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        if (File.Exists(Path.Combine(DataDir, "postmaster.pid")))
        {
            try
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDir, "-m", "immediate", "stop"], IsRoot, CancellationToken.None);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"Could not stop the PostgreSQL cluster in {Directory}: {e.Message}");
            }
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Could not delete {Directory}: {e.Message}");
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres, CancellationToken ct)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var a in (string[])["-u", "postgres", "--", file])
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            await process.WaitForExitAsync(CancellationToken.None); // let initdb/pg_ctl finish: the cleanup needs a consistent state
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
