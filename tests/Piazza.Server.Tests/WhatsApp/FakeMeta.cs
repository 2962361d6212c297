using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Piazza.Server.Tests.WhatsApp;

/// <summary>A stand-in for Meta's Graph API on 127.0.0.1 (a real HTTP server): records every send request and answers
/// as the Cloud API does (a wamid), or with the error <see cref="Answer"/> chooses.</summary>
public sealed class FakeMeta : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _count;

    private FakeMeta(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Requests received: path, Authorization header, JSON body.</summary>
    public ConcurrentQueue<(string Path, string? Authorization, JsonNode Body)> Requests { get; } = new();

    /// <summary>Decides the answer to a request: null for success, else (HTTP status, body).</summary>
    public Func<JsonNode, (int Status, string Body)?>? Answer { get; set; }

    public static async Task<FakeMeta> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var meta = new FakeMeta(app);
        app.MapPost("/{version}/{phone}/messages", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body) ?? new JsonObject();
            meta.Requests.Enqueue((context.Request.Path.Value!, context.Request.Headers.Authorization.ToString(), body));
            if (meta.Answer?.Invoke(body) is { } error)
            {
                return Results.Text(error.Body, "application/json", statusCode: error.Status);
            }

            var id = "wamid.fake" + Interlocked.Increment(ref meta._count);
            var to = (string?)body["to"];
            return Results.Json(new { messaging_product = "whatsapp", contacts = new[] { new { input = to, wa_id = to } }, messages = new[] { new { id } } });
        });
        await app.StartAsync();
        meta.BaseUrl = app.Urls.First();
        return meta;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
