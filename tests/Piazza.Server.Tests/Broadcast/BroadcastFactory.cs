using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Broadcast;
using Piazza.Channels.Testing;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Infrastructure;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.Broadcast;

/// <summary>The real server with its dispatcher running, every channel sending to the recording adapter, and
/// short timings (retries, circuit, leases) so failures and recoveries happen within a test.</summary>
public class BroadcastFactory : PiazzaFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Broadcast:Adapters:RecordAll"] = "true",
        ["Broadcast:ScanInterval"] = "00:00:00.200",
        ["Broadcast:IdlePoll"] = "00:00:00.050",
        ["Broadcast:ReleasePoll"] = "00:00:00.200",
        ["Broadcast:LeaseDuration"] = "00:00:03",
        ["Broadcast:WorkerIdleTimeout"] = "00:00:02",
        ["Broadcast:RetryBase"] = "00:00:00.050",
        ["Broadcast:RetryMax"] = "00:00:00.400",
        ["Broadcast:DefaultRetryAfter"] = "00:00:00.200",
        ["Broadcast:CircuitBreak"] = "00:00:00.300",
        ["Broadcast:CircuitBreakMax"] = "00:00:01",
        ["Broadcast:SendTimeout"] = "00:00:00.500",
    };

    public RecordingAdapter Recorder => Services.GetRequiredService<RecordingAdapter>();

    /// <summary>An organization (it, zh) with a topic, a channel, <paramref name="subscribers"/> subscribers of it
    /// (every third reads zh first) and three API keys: an author, a Chinese translator and an approver. The sending
    /// policy is "any time" unless the test changes it.</summary>
    public async Task<Newsroom> NewsroomAsync(int subscribers, string kind = "WhatsApp", Dictionary<string, string>? settings = null, bool alwaysOpen = true)
    {
        var org = await CreateOrganizationAsync(ApiHttp.Unique("Comune di Prova"));
        var admin = ClientWithKey(await CreateApiKeyAsync(org, "all", "admin"));
        var author = ClientWithKey(await CreateApiKeyAsync(org, "bulletins:read bulletins:write topics:read channels:read", "redazione"));
        var translator = ClientWithKey(await CreateApiKeyAsync(org, "bulletins:read bulletins:translate", "mediatrice"));
        var approver = ClientWithKey(await CreateApiKeyAsync(org, "bulletins:read bulletins:approve", "approvazione"));
        if (alwaysOpen)
        {
            await admin.PutJsonAsync("/api/v1/sending-policy", new { monthlyCap = 5, serviceHours = "", quietHours = "" });
        }

        var topic = await admin.PostJsonAsync("/api/v1/topics", new { key = "acqua", names = new Dictionary<string, string> { ["it"] = "Acqua", ["zh"] = "供水" } });
        var other = await admin.PostJsonAsync("/api/v1/topics", new { key = "sport", names = new Dictionary<string, string> { ["it"] = "Sport", ["zh"] = "体育" } });
        var channelSettings = new Dictionary<string, string> { ["rateLimit"] = "100000", ["requiredLanguages"] = "it,zh" };
        foreach (var (k, v) in settings ?? [])
        {
            channelSettings[k] = v;
        }

        var channel = await admin.PostJsonAsync("/api/v1/channels", new { kind, name = "Canale di prova " + kind, isSandbox = true, settings = channelSettings });
        var newsroom = new Newsroom(org, admin, author, translator, approver, Guid.Parse(topic.Id()), Guid.Parse(other.Id()), Guid.Parse(channel.Id()));
        await AddSubscribersAsync(newsroom, newsroom.ChannelId, subscribers, newsroom.TopicId);
        return newsroom;
    }

    /// <summary>Adds subscribers straight into the database (thousands in a second), following <paramref name="topicId"/>.</summary>
    public async Task<List<long>> AddSubscribersAsync(Newsroom n, Guid channelId, int count, Guid topicId, string prefix = "+39333")
    {
        await using var db = Database.CreateContext();
        var start = await db.Subscribers.IgnoreQueryFilters().CountAsync();
        var rows = new List<Subscriber>();
        for (var i = 0; i < count; i++)
        {
            var s = new Subscriber
            {
                OrganizationId = n.OrganizationId, ChannelId = channelId, Address = prefix + (1_000_000 + start + i).ToString(CultureInfo.InvariantCulture),
                Status = SubscriberStatus.Active, SubscribedAt = DateTime.UtcNow, ConsentAt = DateTime.UtcNow, ConsentMethod = ConsentMethod.Keyword,
                ConsentEvidence = "ATTIVA ISCRIZIONE", PolicyVersion = "test",
            };
            s.SetLanguages(i % 3 == 2 ? ["zh", "it"] : ["it"]);
            s.Topics.Add(new SubscriberTopic { OrganizationId = n.OrganizationId, TopicId = topicId });
            rows.Add(s);
        }

        db.Subscribers.AddRange(rows);
        await db.SaveChangesAsync();
        return rows.Select(r => r.Id).ToList();
    }

    /// <summary>Writes a bulletin (it + zh), has its translation reviewed and returns its id, waiting for approval.</summary>
    public static async Task<Guid> ReadyBulletinAsync(Newsroom n, string priority = "Normal", Guid? topicId = null, string audience = "TopicSubscribers", IReadOnlyList<Guid>? channels = null)
    {
        var created = await n.Author.PostJsonAsync("/api/v1/bulletins", new
        {
            topicId = topicId ?? n.TopicId,
            priority,
            audience,
            channelIds = channels ?? [n.ChannelId],
            bodies = new Dictionary<string, object>
            {
                ["it"] = new { title = "Interruzione dell'acqua", markdown = "Domani **dalle 8 alle 12** manca l'acqua in via Roma." },
            },
        });
        var id = Guid.Parse(created.Id());
        await n.Author.PostJsonAsync($"/api/v1/bulletins/{id}/submit", null, System.Net.HttpStatusCode.OK);
        await n.Translator.PutJsonAsync($"/api/v1/bulletins/{id}/bodies/zh", new { title = "停水通知", markdown = "明天**8点到12点**罗马路停水。" });
        var reviewed = await n.Translator.PostJsonAsync($"/api/v1/bulletins/{id}/bodies/zh/review", null, System.Net.HttpStatusCode.OK);
        Assert.Equal("InReview", (string?)reviewed["state"]);
        return id;
    }

    public static async Task<JsonNode> ApproveAsync(Newsroom n, Guid id, DateTime? sendAt = null) =>
        await n.Approver.PostJsonAsync($"/api/v1/bulletins/{id}/approve", new { sendAt }, System.Net.HttpStatusCode.OK);

    /// <summary>Waits (up to <paramref name="seconds"/>) until the bulletin reaches one of the states.</summary>
    public static async Task<JsonNode> WaitForStateAsync(Newsroom n, Guid id, int seconds, params string[] states)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        JsonNode bulletin;
        do
        {
            bulletin = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}");
            if (states.Contains((string?)bulletin["state"]))
            {
                return bulletin;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < until);
        var progress = await n.Admin.GetJsonAsync($"/api/v1/bulletins/{id}/progress");
        Assert.Fail($"Bulletin still {(string?)bulletin["state"]} after {seconds} s, not {string.Join("/", states)}: {progress.ToJsonString()}");
        return bulletin;
    }

    /// <summary>Waits (up to <paramref name="seconds"/>) for a condition that the server reaches by itself.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Waited {seconds} s for: {what}");
            await Task.Delay(25);
        }
    }

    /// <summary>Delivery rows of a bulletin, straight from the database.</summary>
    public async Task<List<Delivery>> DeliveriesAsync(Guid postId)
    {
        await using var db = Database.CreateContext();
        return await db.Deliveries.IgnoreQueryFilters().AsNoTracking().Where(d => d.PostId == postId).OrderBy(d => d.Id).ToListAsync();
    }

    public T Service<T>()
        where T : notnull => Services.GetRequiredService<T>();
}

/// <summary>What <see cref="BroadcastFactory.NewsroomAsync"/> created.</summary>
public sealed record Newsroom(
    Guid OrganizationId, HttpClient Admin, HttpClient Author, HttpClient Translator, HttpClient Approver, Guid TopicId, Guid OtherTopicId, Guid ChannelId);
