using System.Data.Common;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Data;
using Piazza.Server.Tests.Infrastructure;
using Xunit;

namespace Piazza.Server.Tests.Data;

/// <summary>A server that does not migrate on start: its database stays empty until a test migrates it.</summary>
public sealed class EmptyDatabaseFactory : PiazzaFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?> { ["Database:MigrateOnStart"] = "false" };
}

/// <summary>
/// The hand-written migrations create exactly the schema the EF model describes, on the provider under test
/// (PIAZZA_TEST_DB): same tables, columns (store type, nullability), primary keys, indexes (with their descending
/// columns and whether they are partial) and foreign keys.
/// </summary>
public sealed class MigrationsMatchModelTests(EmptyDatabaseFactory factory) : IClassFixture<EmptyDatabaseFactory>
{
    [Fact]
    public async Task Migrating_an_empty_database_gives_the_schema_of_the_model()
    {
        var client = factory.CreateClient();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();

        var all = db.Database.GetMigrations().ToList();
        Assert.NotEmpty(all);
        Assert.Equal(all, await db.Database.GetPendingMigrationsAsync());

        // Not migrated yet: the server is alive but not ready.
        using (var notReady = await client.GetAsync("/readyz"))
        {
            var text = await notReady.Content.ReadAsStringAsync();
            Assert.True(notReady.StatusCode == HttpStatusCode.ServiceUnavailable, text);
            Assert.Contains("pending migrations", text, StringComparison.Ordinal);
        }

        await db.Database.MigrateAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(all, await db.Database.GetAppliedMigrationsAsync());
        using (var ready = await client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var model = db.GetService<IDesignTimeModel>().Model.GetRelationalModel();
        var expected = Describe(model);
        var actual = await ReadSchemaAsync(db.Database.GetDbConnection());
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (table, lines) in expected)
        {
            Assert.Equal(string.Join("\n", lines.Order(StringComparer.Ordinal)), string.Join("\n", actual[table].Order(StringComparer.Ordinal)));
        }

        // Migrating again is a no-op.
        await db.Database.MigrateAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public void Nothing_in_src_creates_the_schema_without_migrations()
    {
        var src = Path.Combine(Repository.Root, "src");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("EnsureCreated", StringComparison.Ordinal))
            .ToList();
        Assert.Empty(offenders);
    }

    /// <summary>One line per column, primary key, index and foreign key, per table, as the model wants them.</summary>
    private static Dictionary<string, List<string>> Describe(IRelationalModel model)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var table in model.Tables)
        {
            var lines = new List<string>();
            foreach (var column in table.Columns)
            {
                lines.Add($"column {column.Name} {Normalize(column.StoreType)} {(column.IsNullable ? "null" : "not null")}");
            }

            if (table.PrimaryKey is { } pk)
            {
                lines.Add($"pk {string.Join(",", pk.Columns.Select(c => c.Name))}");
            }

            foreach (var index in table.Indexes)
            {
                var columns = index.Columns.Select((c, i) => c.Name + (index.IsDescending is { Count: > 0 } d && d[i] ? " desc" : ""));
                lines.Add($"index {index.Name} ({string.Join(",", columns)}){(index.IsUnique ? " unique" : "")}{(index.Filter is null ? "" : " partial")}");
            }

            foreach (var unique in table.UniqueConstraints.Where(u => !u.GetIsPrimaryKey()))
            {
                lines.Add($"index {unique.Name} ({string.Join(",", unique.Columns.Select(c => c.Name))}) unique");
            }

            foreach (var fk in table.ForeignKeyConstraints)
            {
                lines.Add($"fk ({string.Join(",", fk.Columns.Select(c => c.Name))}) -> {fk.PrincipalTable.Name} ({string.Join(",", fk.PrincipalColumns.Select(c => c.Name))}) on delete {Action(fk.OnDeleteAction)}");
            }

            result[table.Name] = lines;
        }

        return result;
    }

    private static string Action(ReferentialAction action) => action switch
    {
        ReferentialAction.Cascade => "CASCADE",
        ReferentialAction.Restrict => "RESTRICT",
        ReferentialAction.SetNull => "SET NULL",
        ReferentialAction.SetDefault => "SET DEFAULT",
        _ => "NO ACTION",
    };

    private static string Normalize(string storeType) => storeType.ToLowerInvariant().Replace("timestamptz", "timestamp with time zone", StringComparison.Ordinal);

    private static async Task<Dictionary<string, List<string>>> ReadSchemaAsync(DbConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }

        return TestDatabase.IsPostgres ? await ReadPostgresAsync(connection) : await ReadSqliteAsync(connection);
    }

    private static async Task<List<string[]>> QueryAsync(DbConnection connection, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            var row = new string[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!;
            }

            rows.Add(row);
        }

        return rows;
    }

    private static async Task<Dictionary<string, List<string>>> ReadSqliteAsync(DbConnection connection)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var tables = await QueryAsync(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__EFMigrationsHistory' AND name <> '__EFMigrationsLock'");
        foreach (var table in tables.Select(t => t[0]))
        {
            var lines = new List<string>();
            // cid, name, type, notnull, dflt_value, pk
            var columns = await QueryAsync(connection, $"PRAGMA table_info(\"{table}\")");
            foreach (var c in columns)
            {
                lines.Add($"column {c[1]} {c[2].ToLowerInvariant()} {(c[3] == "1" ? "not null" : "null")}");
            }

            var pk = columns.Where(c => c[5] != "0").OrderBy(c => int.Parse(c[5], System.Globalization.CultureInfo.InvariantCulture)).Select(c => c[1]).ToList();
            if (pk.Count > 0)
            {
                lines.Add($"pk {string.Join(",", pk)}");
            }

            // seq, name, unique, origin (c = CREATE INDEX, u = UNIQUE constraint, pk), partial
            foreach (var index in await QueryAsync(connection, $"PRAGMA index_list(\"{table}\")"))
            {
                if (index[3] == "pk")
                {
                    continue;
                }

                // seqno, cid, name, desc, coll, key
                var cols = (await QueryAsync(connection, $"PRAGMA index_xinfo(\"{index[1]}\")")).Where(i => i[5] == "1")
                    .OrderBy(i => int.Parse(i[0], System.Globalization.CultureInfo.InvariantCulture)).Select(i => i[2] + (i[3] == "1" ? " desc" : ""));
                lines.Add($"index {index[1]} ({string.Join(",", cols)}){(index[2] == "1" ? " unique" : "")}{(index[4] == "1" ? " partial" : "")}");
            }

            // id, seq, table, from, to, on_update, on_delete, match
            foreach (var fk in (await QueryAsync(connection, $"PRAGMA foreign_key_list(\"{table}\")")).GroupBy(f => f[0]))
            {
                var parts = fk.OrderBy(f => int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                lines.Add($"fk ({string.Join(",", parts.Select(p => p[3]))}) -> {parts[0][2]} ({string.Join(",", parts.Select(p => p[4]))}) on delete {parts[0][6]}");
            }

            result[table] = lines;
        }

        return result;
    }

    private static async Task<Dictionary<string, List<string>>> ReadPostgresAsync(DbConnection connection)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var columns = await QueryAsync(connection, """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
              AND c.relname NOT IN ('__EFMigrationsHistory', '__EFMigrationsLock')
            ORDER BY c.relname, a.attnum
            """);
        foreach (var c in columns)
        {
            Lines(result, c[0]).Add($"column {c[1]} {c[2]} {(c[3] == "True" ? "not null" : "null")}");
        }

        var indexes = await QueryAsync(connection, """
            SELECT t.relname, i.relname, ix.indisunique, ix.indisprimary,
                   (SELECT string_agg(a.attname || CASE WHEN (ix.indoption[k.ord - 1] & 1) = 1 THEN ' desc' ELSE '' END, ',' ORDER BY k.ord)
                    FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum),
                   ix.indpred IS NOT NULL
            FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND t.relname NOT IN ('__EFMigrationsHistory', '__EFMigrationsLock')
            """);
        foreach (var i in indexes)
        {
            Lines(result, i[0]).Add(i[3] == "True" ? $"pk {i[4]}" : $"index {i[1]} ({i[4]}){(i[2] == "True" ? " unique" : "")}{(i[5] == "True" ? " partial" : "")}");
        }

        var fks = await QueryAsync(connection, """
            SELECT t.relname, f.relname,
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum),
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = f.oid AND a.attnum = k.attnum),
                   con.confdeltype
            FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class f ON f.oid = con.confrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE con.contype = 'f' AND n.nspname = 'public'
            """);
        foreach (var fk in fks)
        {
            var action = fk[4] switch { "c" => "CASCADE", "r" => "RESTRICT", "n" => "SET NULL", "d" => "SET DEFAULT", _ => "NO ACTION" };
            Lines(result, fk[0]).Add($"fk ({fk[2]}) -> {fk[1]} ({fk[3]}) on delete {action}");
        }

        return result;
    }

    private static List<string> Lines(Dictionary<string, List<string>> tables, string table)
    {
        if (!tables.TryGetValue(table, out var lines))
        {
            tables[table] = lines = [];
        }

        return lines;
    }
}
