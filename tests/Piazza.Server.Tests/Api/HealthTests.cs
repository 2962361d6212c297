using System.Net;
using System.Text.Json.Nodes;
using Piazza.Server.Tests.Infrastructure;
using Xunit;

namespace Piazza.Server.Tests.Api;

/// <summary>/healthz (the process lives) and /readyz (and its database answers, migrated).</summary>
public sealed class HealthTests(PiazzaFactory factory) : IClassFixture<PiazzaFactory>
{
    [Fact]
    public async Task Healthz_and_readyz_answer_200_with_a_reachable_migrated_database()
    {
        var client = factory.CreateClient();
        using var live = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var ready = await client.GetAsync("/readyz");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
        var json = JsonNode.Parse(body)!;
        Assert.Equal("Healthy", (string?)json["status"]);
        Assert.Equal("Healthy", (string?)json["checks"]!["database"]!["status"]);
    }
}

/// <summary>A server whose database cannot be reached: for PostgreSQL a closed port, for SQLite a path that is a directory.</summary>
public sealed class UnreachableDatabaseFactory : PiazzaFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Database:MigrateOnStart"] = "false",
        ["ConnectionStrings:Piazza"] = TestDatabase.IsPostgres
            ? $"Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Database=piazza;Timeout=3"
            : $"Data Source={Path.GetTempPath()}",
    };

    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

public sealed class UnreachableDatabaseHealthTests(UnreachableDatabaseFactory factory) : IClassFixture<UnreachableDatabaseFactory>
{
    [Fact]
    public async Task Readyz_answers_503_while_healthz_stays_200()
    {
        var client = factory.CreateClient();
        using var live = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var ready = await client.GetAsync("/readyz");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)ready.StatusCode}: {body}");
        Assert.Equal("application/json", ready.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(body)!;
        Assert.Equal("Unhealthy", (string?)json["status"]);
        Assert.Equal("Unhealthy", (string?)json["checks"]!["database"]!["status"]);
        Assert.Contains("unreachable", (string?)json["checks"]!["database"]!["description"], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_answers_a_problem_not_a_crash_page_when_the_database_is_down()
    {
        // Authentication needs the database: the client gets a 503 problem, not an HTML error page.
        var client = factory.ClientWithKey("pz_" + new string('a', 43));
        using var response = await client.GetAsync("/api/v1/topics");
        var problem = await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.DoesNotContain("   at ", problem.Text(), StringComparison.Ordinal);
    }
}
