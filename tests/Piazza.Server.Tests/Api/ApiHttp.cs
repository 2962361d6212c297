using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Piazza.Server.Tests.Infrastructure;
using Xunit;

namespace Piazza.Server.Tests.Api;

/// <summary>Small helpers to call the API with raw JSON and look at the answers as JSON trees.</summary>
internal static class ApiHttp
{
    public const string ProblemJson = "application/problem+json";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Sends <paramref name="body"/> (a raw JSON string, or an object serialized as camelCase JSON).</summary>
    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            var text = body as string ?? JsonSerializer.Serialize(body, Web);
            request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }

        return client.SendAsync(request);
    }

    /// <summary>Sends and checks the status; returns the body parsed (null when empty).</summary>
    public static async Task<JsonNode?> SendJsonAsync(this HttpClient client, HttpMethod method, string url, object? body, HttpStatusCode expected)
    {
        using var response = await client.SendAsync(method, url, body);
        return await response.JsonAsync(expected);
    }

    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK) =>
        (await client.SendJsonAsync(HttpMethod.Get, url, null, expected))!;

    public static async Task<JsonNode> PostJsonAsync(this HttpClient client, string url, object? body, HttpStatusCode expected = HttpStatusCode.Created) =>
        (await client.SendJsonAsync(HttpMethod.Post, url, body, expected))!;

    public static async Task<JsonNode> PutJsonAsync(this HttpClient client, string url, object? body, HttpStatusCode expected = HttpStatusCode.OK) =>
        (await client.SendJsonAsync(HttpMethod.Put, url, body, expected))!;

    public static async Task<JsonNode> PatchJsonAsync(this HttpClient client, string url, object? body, HttpStatusCode expected = HttpStatusCode.OK) =>
        (await client.SendJsonAsync(HttpMethod.Patch, url, body, expected))!;

    public static async Task DeleteAsync(this HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.NoContent) =>
        await client.SendJsonAsync(HttpMethod.Delete, url, null, expected);

    public static async Task<JsonNode?> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>Checks an RFC 7807 answer: status, content type application/problem+json and the status in the body.</summary>
    public static async Task<JsonObject> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        var where = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}";
        Assert.True(response.StatusCode == expected, $"{where}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == ProblemJson, $"{where}: content type {response.Content.Headers.ContentType} instead of problem+json: {text}");
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)expected, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]), $"{where}: the problem has no title: {text}");
        return problem;
    }

    public static async Task<JsonObject> SendProblemAsync(this HttpClient client, HttpMethod method, string url, object? body, HttpStatusCode expected)
    {
        using var response = await client.SendAsync(method, url, body);
        return await response.ProblemAsync(expected);
    }

    /// <summary>The JSON as text with non-ASCII characters as they are (•, 中文), to search in.</summary>
    public static string Text(this JsonNode node) => node.ToJsonString(Relaxed);

    public static string Id(this JsonNode node) => node["id"]!.ToJsonString().Trim('"');

    public static IEnumerable<JsonNode> Items(this JsonNode node) => node.AsArray().Select(n => n!);

    /// <summary>Rows in every table of the database (tenant filters do not apply to raw counts), but the dispatcher's
    /// channel leases, which its background loop takes and lets go whatever a request does.</summary>
    public static async Task<Dictionary<string, long>> CountRowsAsync(this PiazzaFactory factory)
    {
        await using var db = factory.Database.CreateContext();
        var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Where(t => t != "channel_leases")
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
            counts[table] = Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return counts;
    }

    /// <summary>A name no other test uses (organization slugs are unique across the database).</summary>
    public static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..8]}";
}
