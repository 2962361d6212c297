using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.ApiKeys;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Infrastructure;
using Piazza.Staff;
using Xunit;

namespace Piazza.Server.Tests.Cli;

/// <summary>The verbs of the real server binary (<c>dotnet Piazza.Server.dll VERB</c>), run as a separate process
/// against the test database; the in-process server checks what they did.</summary>
public sealed class CliTests(PiazzaFactory factory) : IClassFixture<PiazzaFactory>
{
    [Fact]
    public async Task Migrate_creates_the_schema_of_an_empty_database_and_is_idempotent()
    {
        var database = new TestDatabase();
        await database.InitializeAsync();
        try
        {
            var first = await RunAsync(database, "migrate");
            first.AssertSucceeded();
            Assert.Contains("Database is up to date.", first.Out, StringComparison.Ordinal);
            await using (var db = database.CreateContext())
            {
                Assert.Empty(await db.Database.GetPendingMigrationsAsync());
                Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
                Assert.Equal(0, await db.Organizations.IgnoreQueryFilters().CountAsync());
            }

            (await RunAsync(database, "migrate")).AssertSucceeded();
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Seed_demo_creates_the_demo_once()
    {
        var first = await RunAsync(factory.Database, "seed-demo");
        first.AssertSucceeded();
        Assert.Contains("Comune di Prato (demo)", first.Out, StringComparison.Ordinal);
        Assert.Contains("admin@prato.demo", first.Out, StringComparison.Ordinal);
        var counts = await factory.CountRowsAsync();

        var second = await RunAsync(factory.Database, "seed-demo");
        second.AssertSucceeded();
        Assert.Contains("already exists", second.Out, StringComparison.Ordinal);
        Assert.Equal(counts, await factory.CountRowsAsync());
        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.Organizations.IgnoreQueryFilters().CountAsync(o => o.Slug == "prato-demo"));
    }

    [Fact]
    public async Task Create_org_prints_its_id_and_slug()
    {
        var name = ApiHttp.Unique("Comune di Empoli");
        var result = await RunAsync(factory.Database, "create-org", "--name", name, "--languages", "it, zh, en");
        result.AssertSucceeded();
        await using var db = factory.Database.CreateContext();
        var org = await db.Organizations.IgnoreQueryFilters().Include(o => o.Languages).SingleAsync(o => o.Name == name);
        Assert.Contains(org.Id.ToString(), result.Out, StringComparison.Ordinal);
        Assert.Contains("slug " + org.Slug, result.Out, StringComparison.Ordinal);
        Assert.StartsWith("comune-di-empoli-", org.Slug, StringComparison.Ordinal);
        Assert.Equal(["it", "zh", "en"], org.Languages.OrderBy(l => l.Position).Select(l => l.Tag));

        // The same slug again is refused with one clear line.
        var again = await RunAsync(factory.Database, "create-org", "--name", name);
        again.AssertFailedWith("--slug");
    }

    [Fact]
    public async Task Create_admin_prints_a_password_that_signs_in_and_a_second_run_resets_it()
    {
        var orgId = await factory.CreateOrganizationAsync(ApiHttp.Unique("Comune di Vinci"));
        string slug;
        await using (var db = factory.Database.CreateContext())
        {
            slug = (await db.Organizations.IgnoreQueryFilters().SingleAsync(o => o.Id == orgId)).Slug;
        }

        var email = $"sindaco.{Guid.NewGuid():N}@vinci.example";
        var first = await RunAsync(factory.Database, "create-admin", "--org", slug, "--email", email);
        first.AssertSucceeded();
        var password = PasswordIn(first.Out);
        Assert.True(await SignsInAsync(email, password));

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
            var user = await users.FindByEmailAsync(email);
            Assert.Equal(orgId, user!.OrganizationId);
            var db = scope.ServiceProvider.GetRequiredService<Piazza.Data.PiazzaDb>();
            Assert.Contains(await db.RoleAssignments.IgnoreQueryFilters().Where(r => r.UserId == user.Id).Select(r => r.Role).ToListAsync(), r => r == StaffRole.Admin);
        }

        var second = await RunAsync(factory.Database, "create-admin", "--org", orgId.ToString(), "--email", email);
        second.AssertSucceeded();
        var newPassword = PasswordIn(second.Out);
        Assert.NotEqual(password, newPassword);
        Assert.True(await SignsInAsync(email, newPassword));
        Assert.False(await SignsInAsync(email, password));

        // An e-mail of another organization is not taken over.
        var other = await factory.CreateOrganizationAsync(ApiHttp.Unique("Comune di Certaldo"));
        var takeover = await RunAsync(factory.Database, "create-admin", "--org", other.ToString(), "--email", email);
        takeover.AssertFailedWith("--email");
        Assert.True(await SignsInAsync(email, newPassword));
    }

    [Fact]
    public async Task Create_api_key_prints_the_key_once_stores_only_its_hash_and_the_key_works()
    {
        var orgId = await factory.CreateOrganizationAsync(ApiHttp.Unique("Comune di Fucecchio"));
        var result = await RunAsync(factory.Database, "create-api-key", "--org", orgId.ToString(), "--name", "Sito web", "--scopes", "topics:read,offices:read");
        result.AssertSucceeded();
        var line = Assert.Single(result.Out.Split('\n'), l => l.Contains(ApiKeyService.KeyPrefix, StringComparison.Ordinal) && l.StartsWith("Key", StringComparison.Ordinal));
        var key = line[(line.LastIndexOf(' ') + 1)..].Trim();
        Assert.StartsWith(ApiKeyService.KeyPrefix, key, StringComparison.Ordinal);

        await using (var db = factory.Database.CreateContext())
        {
            var row = await db.ApiKeys.IgnoreQueryFilters().SingleAsync(k => k.OrganizationId == orgId);
            Assert.Equal(ApiKeyService.Hash(key), row.Hash);
            Assert.Equal("topics:read offices:read", row.Scopes);
            foreach (var value in new[] { row.Name, row.Prefix, row.Hash, row.Scopes })
            {
                Assert.DoesNotContain(key, value, StringComparison.Ordinal);
            }
        }

        var client = factory.ClientWithKey(key);
        await client.GetJsonAsync("/api/v1/topics");
        await client.GetJsonAsync("/api/v1/offices");
        await client.SendProblemAsync(HttpMethod.Get, "/api/v1/users", null, HttpStatusCode.Forbidden);
    }

    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["create-admin", "--org", "no-such-town", "--email", "a@example.org"], "no-such-town" },
        { ["create-admin", "--org", "{org}", "--email", "not-an-email"], "--email" },
        { ["create-admin", "--org", "{org}"], "--email" },
        { ["create-api-key", "--org", "{org}", "--name", "Sito", "--scopes", "topics:read topics:fly"], "topics:fly" },
        { ["create-api-key", "--org", "{org}", "--name", "Sito"], "--scopes" },
        { ["create-api-key", "--org", "00000000-0000-0000-0000-000000000001", "--name", "Sito", "--scopes", "all"], "--org" },
        { ["create-org"], "--name" },
        { ["create-org", "--name", "Comune di Nessuno", "--languages", "klingon-tlh-x"], "--languages" },
        { ["create-org", "--name", "  "], "--name" },
        { ["create-orgs", "--name", "Comune di Refuso"], "create-orgs" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task Bad_arguments_exit_non_zero_with_one_clear_line_and_no_stack_trace(string[] args, string mentioned)
    {
        var orgId = await factory.CreateOrganizationAsync(ApiHttp.Unique("Comune di Capraia"));
        var counts = await factory.CountRowsAsync();
        var result = await RunAsync(factory.Database, args.Select(a => a.Replace("{org}", orgId.ToString(), StringComparison.Ordinal)).ToArray());
        result.AssertFailedWith(mentioned);
        Assert.Equal(counts, await factory.CountRowsAsync());
    }

    private static string PasswordIn(string output)
    {
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith("Password", StringComparison.Ordinal));
        return line[(line.LastIndexOf(' ') + 1)..].Trim();
    }

    private async Task<bool> SignsInAsync(string email, string password)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        var user = await users.FindByEmailAsync(email);
        return user is not null && await users.CheckPasswordAsync(user, password);
    }

    private static async Task<Result> RunAsync(TestDatabase database, params string[] args)
    {
        var start = ServerBinary.StartInfo(args);
        start.Environment["Database__Provider"] = database.Provider;
        start.Environment["ConnectionStrings__Piazza"] = database.ConnectionString;
        start.Environment["Demo__Subscribers"] = "8";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Result(string.Join(' ', args), process.ExitCode, (await stdout).Replace("\r", "", StringComparison.Ordinal), (await stderr).Replace("\r", "", StringComparison.Ordinal));
    }

    private sealed record Result(string Command, int ExitCode, string Out, string Err)
    {
        public void AssertSucceeded() =>
            Assert.True(ExitCode == 0 && Err.Trim().Length == 0, $"{Command}: exit {ExitCode}\nstdout: {Out}\nstderr: {Err}");

        /// <summary>Exit code not 0, one line on standard error that mentions <paramref name="mentioned"/>, no stack trace.</summary>
        public void AssertFailedWith(string mentioned)
        {
            var where = $"{Command}: exit {ExitCode}\nstdout: {Out}\nstderr: {Err}";
            Assert.True(ExitCode != 0, where);
            var lines = Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length == 1, "expected one line on stderr: " + where);
            Assert.Contains(mentioned, lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", Err + Out, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", Err + Out, StringComparison.Ordinal);
        }
    }
}
