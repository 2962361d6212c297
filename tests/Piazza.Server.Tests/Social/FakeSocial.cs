using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Piazza.Server.Tests.Social;

/// <summary>One request the fake platform received.</summary>
public sealed record FakeRequest(string Method, string Path, string? Authorization, string? ContentType, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A stand-in for Facebook's, X's or a Mastodon instance's API on 127.0.0.1 (a real HTTP server): records
/// every request and answers with what <see cref="Answer"/> returns (status, JSON body, extra headers).</summary>
public sealed class FakeSocial : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeSocial(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    public Func<FakeRequest, (int Status, string Body, Dictionary<string, string>? Headers)> Answer { get; set; } = _ => (200, "{}", null);

    public static async Task<FakeSocial> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeSocial(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var request = new FakeRequest(
                context.Request.Method, context.Request.Path.Value!, context.Request.Headers.Authorization.ToString(), context.Request.ContentType,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body);
            fake.Requests.Enqueue(request);
            var (status, json, headers) = fake.Answer(request);
            context.Response.StatusCode = status;
            foreach (var (name, value) in headers ?? [])
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json);
        });
        await app.StartAsync();
        fake.BaseUrl = app.Urls.First();
        return fake;
    }

    /// <summary>An IHttpClientFactory for adapters built outside a server.</summary>
    public static IHttpClientFactory Clients() => new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
