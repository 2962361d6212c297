using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.WhatsApp;
using Piazza.Data;
using Piazza.Organizations;
using Piazza.Posts;
using Piazza.Server.Hosting;
using Piazza.Topics;

namespace Piazza.Bench;

/// <summary>
/// The WhatsApp webhook under the status traffic of a broadcast: N messages already sent, and for each Meta's three
/// callbacks (sent, delivered, read), each a signed POST to <c>/hooks/whatsapp/{channel}</c> over loopback HTTP, paced
/// at R requests a second by 64 concurrent senders (a 1,000 message/s broadcast brings 3,000 a second). Measures what
/// the endpoint sustains, its latency, and how soon every delivery is Read in the database.
/// </summary>
public sealed class WebhookBench(int messages, int rate, BenchDatabase database)
{
    private const string AppSecret = "bench-app-secret";
    private const int Senders = 64;
    private readonly BenchActor _admin = new("bench admin");

    public async Task<Dictionary<string, object?>> RunAsync(DirectoryInfo work, CancellationToken ct)
    {
        await using var app = BenchHost.Build(database, work, withHooks: true);
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        try
        {
            await app.StartAsync(ct);
        }
        finally
        {
            Console.SetOut(stdout);
        }

        try
        {
            var (channel, post) = await SetUpAsync(app, ct);
            var baseAddress = new Uri(app.Urls.First());
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Senders, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
            using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
            var url = $"/hooks/whatsapp/{channel}";
            var total = messages * 3;
            var latencies = new double[total];
            var failures = 0;
            var next = -1;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            var ticksPerRequest = (double)Stopwatch.Frequency / rate;
            var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            await Task.WhenAll(Enumerable.Range(0, Senders).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < total)
                {
                    // Paced: request i leaves i/R seconds after the start (the order of a message's three statuses kept).
                    var due = started + (long)(i * ticksPerRequest);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, ct);
                    }

                    var body = Encoding.UTF8.GetBytes(Notification(i / 3, (i % 3) switch { 0 => "sent", 1 => "delivered", _ => "read" }, at));
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    request.Headers.Add("X-Hub-Signature-256", WhatsAppWebhook.Sign(body, AppSecret));
                    var sent = Stopwatch.GetTimestamp();
                    try
                    {
                        using var response = await client.SendAsync(request, ct);
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref failures);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref failures);
                    }

                    latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                }
            }));
            var sendSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / sendSeconds;

            // Every delivery Read: the batch updater has applied all the callbacks.
            var read = 0;
            var applyDeadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 120);
            while (Stopwatch.GetTimestamp() < applyDeadline)
            {
                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
                read = await db.Deliveries.IgnoreQueryFilters().CountAsync(d => d.PostId == post && d.State == DeliveryState.Read, ct);
                if (read == messages)
                {
                    break;
                }

                await Task.Delay(100, ct);
            }

            var appliedSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Array.Sort(latencies);
            double Percentile(double p) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p * latencies.Length) - 1)];
            return new Dictionary<string, object?>
            {
                ["benchmark"] = "webhook",
                ["db"] = database.Provider.ToLowerInvariant(),
                ["db_settings"] = database.Description,
                ["messages"] = messages,
                ["callbacks"] = total,
                ["rate"] = rate,
                ["achieved_per_second"] = total / sendSeconds,
                ["utilization"] = total / sendSeconds / rate,
                ["latency_p50_ms"] = Percentile(0.50),
                ["latency_p95_ms"] = Percentile(0.95),
                ["latency_p99_ms"] = Percentile(0.99),
                ["latency_max_ms"] = latencies[^1],
                ["failed_requests"] = failures,
                ["deliveries_read"] = read,
                ["all_applied"] = read == messages,
                ["applied_after_last_send_seconds"] = appliedSeconds - sendSeconds,
                ["process_cpu_cores"] = cpu,
                ["peak_rss_mb"] = BroadcastBench.PeakRssMb(),
                ["senders"] = Senders,
            };
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>An organization with a WhatsApp channel whose app secret the benchmark knows, a bulletin, and N of its
    /// deliveries already sent (wamid.bench.0 … N−1), written with set-based SQL.</summary>
    private async Task<(Guid Channel, Guid Post)> SetUpAsync(WebApplication app, CancellationToken ct)
    {
        Guid org;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            var slug = "bench-" + Guid.NewGuid().ToString("N")[..10];
            org = (await OrganizationService.CreateAsync(db, "Comune del benchmark " + slug, slug, ["it"], TimeProvider.System, ct)).Id;
        }

        Guid channel, post;
        await using (var scope = ActorOverride.ForOrganization(app.Services, org, _admin))
        {
            var topic = (await scope.ServiceProvider.GetRequiredService<TopicService>().CreateAsync(new TopicInput("avvisi", new Dictionary<string, string?> { ["it"] = "Avvisi" }), ct)).Id;
            channel = (await scope.ServiceProvider.GetRequiredService<ChannelService>().CreateAsync(new ChannelInput(
                ChannelKind.WhatsApp, "WhatsApp del benchmark", IsSandbox: true,
                Secrets: new Dictionary<string, string?> { [WhatsAppChannel.AppSecret] = AppSecret }), ct)).Id;
            post = (await scope.ServiceProvider.GetRequiredService<PostService>().CreateAsync(new BulletinInput(topic, PostPriority.Normal, PostAudience.TopicSubscribers, [channel],
                new Dictionary<string, BodyInput> { ["it"] = new("Avviso", "Testo.") }), ct)).Id;
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            var store = new DeliveryStore(db);
            var numbers = store.IsPostgres
                ? "FROM generate_series(0, @count - 1) AS g(n)"
                : "FROM (WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < @count - 1) SELECT n FROM g)";
            await using var cmd = await store.CommandAsync(ct);
            cmd.CommandText = $"""
                INSERT INTO deliveries (post_id, channel_id, subscriber_id, language, priority, state, due_at, attempts, created_at, sent_at, platform_message_id)
                SELECT @post, @channel, n + 1, 'it', 0, 2, @now, 1, @now, @now, 'wamid.bench.' || CAST(n AS TEXT)
                {numbers}
                """;
            DeliveryStore.Add(cmd, "post", store.Id(post));
            DeliveryStore.Add(cmd, "channel", store.Id(channel));
            DeliveryStore.Add(cmd, "now", DateTime.UtcNow);
            DeliveryStore.Add(cmd, "count", messages);
            cmd.CommandTimeout = 600;
            await cmd.ExecuteNonQueryAsync(ct);
        }

        return (channel, post);
    }

    /// <summary>One status of one message, as Meta posts it.</summary>
    private static string Notification(int message, string status, string at) => JsonSerializer.Serialize(new
    {
        @object = "whatsapp_business_account",
        entry = new[]
        {
            new
            {
                id = "555",
                changes = new[]
                {
                    new
                    {
                        field = "messages",
                        value = new
                        {
                            messaging_product = "whatsapp",
                            metadata = new { display_phone_number = "390571000000", phone_number_id = "1234567890" },
                            statuses = new[] { new { id = "wamid.bench." + message.ToString(CultureInfo.InvariantCulture), status, timestamp = at, recipient_id = "393330000000" } },
                        },
                    },
                },
            },
        },
    });
}
