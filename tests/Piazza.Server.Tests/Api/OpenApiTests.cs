using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Server.Tests.Infrastructure;
using Xunit;

namespace Piazza.Server.Tests.Api;

/// <summary>The OpenAPI document describes the whole API: every route, the bearer scheme, a description for
/// every property, and the problem+json error answers.</summary>
public sealed partial class OpenApiTests(PiazzaFactory factory) : IClassFixture<PiazzaFactory>
{
    private async Task<JsonNode> DocumentAsync()
    {
        var client = factory.CreateClient();
        return await client.GetJsonAsync("/openapi/v1.json", HttpStatusCode.OK);
    }

    [Fact]
    public async Task Every_api_route_is_in_the_document()
    {
        var doc = await DocumentAsync();
        var documented = doc["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(op => $"{op.Key.ToUpperInvariant()} {p.Key.TrimEnd('/')}"))
            .ToHashSet(StringComparer.Ordinal);

        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Constraint().Replace(e.RoutePattern.RawText!, "{$1}").TrimEnd('/')}"))
            .ToList();
        Assert.True(routes.Count >= 30, $"only {routes.Count} routes found");
        var missing = routes.Where(r => !documented.Contains(r)).ToList();
        Assert.True(missing.Count == 0, "Not in the OpenAPI document: " + string.Join(", ", missing));
        Assert.Contains("GET /api/v1/subscribers/{id}/personal-data", documented);
        Assert.Contains("POST /api/v1/users/{id}/reset-password", documented);
    }

    [Fact]
    public async Task The_bearer_scheme_is_declared_and_required()
    {
        var doc = await DocumentAsync();
        var schemes = doc["components"]!["securitySchemes"]!.AsObject();
        var bearer = Assert.Single(schemes, s => (string?)s.Value!["type"] == "http" && (string?)s.Value!["scheme"] == "bearer");
        Assert.False(string.IsNullOrWhiteSpace((string?)bearer.Value!["description"]));
        var security = doc["security"]!.AsArray();
        Assert.Contains(security, s => s!.AsObject().ContainsKey(bearer.Key));
    }

    [Fact]
    public async Task Every_property_of_every_schema_has_a_description()
    {
        var doc = await DocumentAsync();
        var missing = new List<string>();
        var schemas = doc["components"]!["schemas"]!.AsObject();
        Assert.NotEmpty(schemas);
        foreach (var (name, schema) in schemas)
        {
            Walk(name, schema!, missing);
        }

        Assert.True(missing.Count == 0, "Properties without a description: " + string.Join(", ", missing));
        Assert.Contains("OfficeInput", schemas.Select(s => s.Key));
        Assert.Contains("SubscriberView", schemas.Select(s => s.Key));
    }

    [Fact]
    public async Task Operations_document_their_problem_answers()
    {
        var doc = await DocumentAsync();
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, op) in item!.AsObject())
            {
                var responses = op!["responses"]!.AsObject();
                foreach (var status in new[] { "400", "401", "403" })
                {
                    Assert.True(responses.ContainsKey(status), $"{method} {path} does not document {status}");
                    Assert.True(responses[status]!["content"]?.AsObject().ContainsKey("application/problem+json") == true, $"{method} {path}: {status} is not problem+json");
                }

                if (path.Contains("{id}", StringComparison.Ordinal))
                {
                    Assert.True(responses.ContainsKey("404"), $"{method} {path} does not document 404");
                }
            }
        }
    }

    private static void Walk(string where, JsonNode schema, List<string> missing)
    {
        if (schema is not JsonObject obj)
        {
            return;
        }

        if (obj["properties"] is JsonObject properties)
        {
            foreach (var (property, value) in properties)
            {
                // A nullable reference is written as oneOf [null, $ref] with the description on the $ref member.
                var description = value?["description"]
                    ?? new[] { "allOf", "oneOf", "anyOf" }.SelectMany(k => value?[k]?.AsArray() ?? []).Select(a => a?["description"]).FirstOrDefault(d => d is not null);
                if (string.IsNullOrWhiteSpace((string?)description))
                {
                    missing.Add($"{where}.{property}");
                }

                Walk($"{where}.{property}", value!, missing);
            }
        }

        foreach (var nested in new[] { "items", "additionalProperties" })
        {
            if (obj[nested] is JsonObject inner)
            {
                Walk($"{where}.{nested}", inner, missing);
            }
        }
    }

    [GeneratedRegex(@"\{(\w+)(:[^}]*)?\}")]
    private static partial Regex Constraint();
}
