using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Piazza.Channels;
using Piazza.Channels.WeChat;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Server.Hooks;
using Piazza.Server.Tests.Broadcast;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>What the simulator posted to a channel's server: the query parameters and the body.</summary>
public sealed record ReceivedCallback(Guid ChannelId, IReadOnlyDictionary<string, string> Query, string Body, DateTimeOffset At);

/// <summary>A stand-in for the account's server (Piazza's /hooks/wechat is not under test here): a real HTTP server on
/// 127.0.0.1 that records every callback and answers what the test's handler for that channel says ("success" by
/// default). A handler may never answer: it then waits until the simulator gives up on the request.</summary>
public sealed class FakeWeChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeWeChatServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = string.Empty;

    public ConcurrentQueue<ReceivedCallback> Received { get; } = new();

    /// <summary>Per channel: the answer to a callback (its body), given the request's cancellation.</summary>
    public ConcurrentDictionary<Guid, Func<ReceivedCallback, CancellationToken, Task<string>>> Handlers { get; } = new();

    public IReadOnlyList<ReceivedCallback> Of(Guid channelId) => [.. Received.Where(r => r.ChannelId == channelId)];

    public static async Task<FakeWeChatServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeWeChatServer(app);
        app.MapPost("/hooks/wechat/{channelId:guid}", async (Guid channelId, HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var received = new ReceivedCallback(channelId, context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal), body, DateTimeOffset.UtcNow);
            server.Received.Enqueue(received);
            try
            {
                var answer = server.Handlers.TryGetValue(channelId, out var handler) ? await handler(received, context.RequestAborted) : "success";
                return Results.Text(answer, "text/plain");
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }
        });
        await app.StartAsync();
        server.BaseUrl = app.Urls.First();
        return server;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>The server with the WeChat simulator posting its callbacks to a <see cref="FakeWeChatServer"/>, waiting
/// half a second for each answer and finishing mass sends after 100 ms; the broadcast engine records, the dispatcher
/// does not run.</summary>
public class WeChatSandboxFactory : BroadcastFactory
{
    private int _disposed;

    public FakeWeChatServer Hook { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Hook = await FakeWeChatServer.StartAsync();
        await base.InitializeAsync();
    }

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Broadcast:DispatcherEnabled"] = "false",
        ["Sandbox:WeChat:CallbackBaseUrl"] = Hook.BaseUrl,
        ["Sandbox:WeChat:CallbackTimeout"] = "00:00:00.500",
        ["Sandbox:WeChat:MassSendFinishDelay"] = "00:00:00.100",
    };

    public WeChatSimulator Simulator => Service<WeChatSimulator>();

    /// <summary>A new organization with a sandbox WeChat channel of <paramref name="accountType"/>; <paramref name="secrets"/>
    /// are set too (an empty value clears a generated one: no EncodingAESKey is plain mode).</summary>
    public async Task<(Newsroom Newsroom, ChannelAccount Account)> AccountAsync(string accountType, Dictionary<string, string>? secrets = null)
    {
        var n = await NewsroomAsync(0, "WeChat", new Dictionary<string, string> { [WeChatChannel.AccountType] = accountType });
        if (secrets is not null)
        {
            // The channel's settings as they are (a sandbox would otherwise get new generated ones), and the secrets.
            var current = await n.Admin.GetFromJsonAsync<JsonObject>($"/api/v1/channels/{n.ChannelId}");
            var response = await n.Admin.PutAsJsonAsync($"/api/v1/channels/{n.ChannelId}", new
            {
                name = (string?)current!["name"],
                isSandbox = true,
                settings = current["settings"],
                secrets,
            });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        var channel = await Service<HookChannels>().FindAsync(n.ChannelId, ChannelKind.WeChat, CancellationToken.None);
        Assert.NotNull(channel);
        return (n, channel.Account);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && Hook is not null)
        {
            await Hook.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>The same on a clock the test moves (a FakeTimeProvider starting Monday 23 November 2026, 15:30 UTC, which is
/// 23:30 in China).</summary>
public sealed class ClockedWeChatSandboxFactory : WeChatSandboxFactory
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 15, 30, 0, TimeSpan.Zero));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>The Official Account API as sandbox channels' adapters call it: <c>/sandbox/wechat/cgi-bin/…</c> over HTTP.</summary>
public sealed class WeChatApiClient(HttpClient http, ChannelAccount account)
{
    public string? Token { get; set; }

    public async Task<JsonObject> TokenAsync(string? appId = null, string? secret = null, string grantType = "client_credential")
    {
        var json = await GetAsync($"/sandbox/wechat/cgi-bin/token?grant_type={grantType}&appid={Uri.EscapeDataString(appId ?? account.Setting(WeChatChannel.AppId)!)}&secret={Uri.EscapeDataString(secret ?? account.Secret(WeChatChannel.AppSecret)!)}");
        if (json["access_token"] is not null)
        {
            Token = (string?)json["access_token"];
        }

        return json;
    }

    /// <summary>Calls the API with <paramref name="token"/>, or with the client's token, which it renews once when WeChat
    /// says it expired (42001), as the adapter does when the test's clock jumps by hours.</summary>
    public async Task<JsonObject> CallAsync(string api, JsonObject? body = null, string? token = null)
    {
        var json = await SendAsync(api, body, token ?? Token);
        if (token is null && Code(json) == 42001)
        {
            await TokenAsync();
            json = await SendAsync(api, body, Token);
        }

        return json;
    }

    private Task<JsonObject> SendAsync(string api, JsonObject? body, string? token) => body is null
        ? GetAsync($"/sandbox/wechat/cgi-bin/{api}?access_token={Uri.EscapeDataString(token ?? string.Empty)}")
        : PostAsync($"/sandbox/wechat/cgi-bin/{api}?access_token={Uri.EscapeDataString(token ?? string.Empty)}", body);

    public async Task<int> CreateTagAsync(string name)
    {
        var json = await CallAsync("tags/create", new JsonObject { ["tag"] = new JsonObject { ["name"] = name } });
        return (int)json["tag"]!["id"]!;
    }

    public async Task TagAsync(int tagId, params string[] openIds) =>
        Assert.Equal(0, Code(await CallAsync("tags/members/batchtagging", new JsonObject { ["openid_list"] = Array(openIds), ["tagid"] = tagId })));

    public Task<JsonObject> MassTextAsync(JsonObject filter, string text, string? clientMsgId = null)
    {
        var body = new JsonObject { ["filter"] = filter, ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = text } };
        if (clientMsgId is not null)
        {
            body["clientmsgid"] = clientMsgId;
        }

        return CallAsync("message/mass/sendall", body);
    }

    public static JsonObject ToTag(int tagId) => new() { ["is_to_all"] = false, ["tag_id"] = tagId };

    public static JsonObject ToAll() => new() { ["is_to_all"] = true };

    public static JsonArray Array(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode)i)]);

    public static int Code(JsonObject json) => json["errcode"] is { } code ? (int)code : 0;

    private async Task<JsonObject> GetAsync(string url)
    {
        using var response = await http.GetAsync(new Uri(url, UriKind.Relative));
        return await ReadAsync(response);
    }

    private async Task<JsonObject> PostAsync(string url, JsonObject body)
    {
        using var response = await http.PostAsync(new Uri(url, UriKind.Relative), new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return await ReadAsync(response);
    }

    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response)
    {
        // WeChat answers HTTP 200 with its JSON, errors included.
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}

/// <summary>
/// Piazza's simulator of the WeChat Official Account API refuses and accepts what WeChat does, with WeChat's codes and
/// on a clock the tests move: access tokens, tags, mass-send quotas and de-duplication, the 48-hour customer-service
/// window, drafts and comments.
/// </summary>
public sealed class WeChatSimulatorTests(ClockedWeChatSandboxFactory factory) : IClassFixture<ClockedWeChatSandboxFactory>
{
    private WeChatSimulator Simulator => factory.Simulator;

    [Fact]
    public async Task A_new_access_token_invalidates_the_previous_one_and_an_old_one_expires_after_7200_seconds()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service);
        var api = new WeChatApiClient(factory.CreateClient(), account);

        Assert.Equal(40013, WeChatApiClient.Code(await api.TokenAsync(appId: "wx0000000000000000")));
        Assert.Equal(40125, WeChatApiClient.Code(await api.TokenAsync(secret: "not-the-secret")));
        Assert.Equal(40002, WeChatApiClient.Code(await api.TokenAsync(grantType: "password")));
        Assert.Null(api.Token);

        var first = await api.TokenAsync();
        Assert.Equal(7200, (int)first["expires_in"]!);
        var firstToken = api.Token!;
        Assert.Equal(0, WeChatApiClient.Code(await api.CallAsync("tags/get")));

        // A second token: the first is refused at once (40001), the second works.
        await api.TokenAsync();
        Assert.NotEqual(firstToken, api.Token);
        var old = await api.CallAsync("tags/get", token: firstToken);
        Assert.Equal(40001, WeChatApiClient.Code(old));
        Assert.StartsWith("invalid credential", (string?)old["errmsg"], StringComparison.Ordinal);
        Assert.Equal(0, WeChatApiClient.Code(await api.CallAsync("tags/get")));
        Assert.Equal(41001, WeChatApiClient.Code(await api.CallAsync("tags/get", token: string.Empty)));

        // 7,200 seconds later the token has expired: 42001.
        factory.Clock.Advance(TimeSpan.FromSeconds(7199));
        Assert.Equal(0, WeChatApiClient.Code(await api.CallAsync("tags/get", token: api.Token)));
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(42001, WeChatApiClient.Code(await api.CallAsync("tags/get", token: api.Token)));
        Assert.Equal(40001, WeChatApiClient.Code(await api.CallAsync("tags/get", token: firstToken)));
    }

    [Fact]
    public async Task Tags_have_WeChats_limits_and_batch_tagging_takes_at_most_50_followers_with_at_most_20_tags_each()
    {
        var (n, account) = await factory.AccountAsync(WeChatChannel.Service);
        var api = new WeChatApiClient(factory.CreateClient(), account);
        await api.TokenAsync();
        var openIds = Enumerable.Range(1, 51).Select(i => Follow(account, "follower " + i.ToString(CultureInfo.InvariantCulture))).ToList();

        var water = await api.CreateTagAsync("acqua-zh");
        Assert.Equal(100, water);
        Assert.Equal(45157, WeChatApiClient.Code(await api.CallAsync("tags/create", TagBody("acqua-zh"))));
        Assert.Equal(45157, WeChatApiClient.Code(await api.CallAsync("tags/create", TagBody("星标组"))));
        Assert.Equal(45158, WeChatApiClient.Code(await api.CallAsync("tags/create", TagBody(new string('a', 31)))));
        Assert.NotEqual(0, await api.CreateTagAsync(new string('水', 30)));
        Assert.Equal(45058, WeChatApiClient.Code(await api.CallAsync("tags/update", new JsonObject { ["tag"] = new JsonObject { ["id"] = 2, ["name"] = "x" } })));
        Assert.Equal(45159, WeChatApiClient.Code(await api.CallAsync("tags/delete", new JsonObject { ["tag"] = new JsonObject { ["id"] = 999 } })));

        // Batch tagging: 51 OpenIDs are too many (40032), an unknown one is refused (40003), 50 go.
        var tooMany = await api.CallAsync("tags/members/batchtagging", new JsonObject { ["openid_list"] = WeChatApiClient.Array(openIds), ["tagid"] = water });
        Assert.Equal(40032, WeChatApiClient.Code(tooMany));
        var unknown = await api.CallAsync("tags/members/batchtagging", new JsonObject { ["openid_list"] = WeChatApiClient.Array(["oUnknown000000000000000000000"]), ["tagid"] = water });
        Assert.Equal(40003, WeChatApiClient.Code(unknown));
        Assert.Equal(45159, WeChatApiClient.Code(await api.CallAsync("tags/members/batchtagging", new JsonObject { ["openid_list"] = WeChatApiClient.Array(openIds.Take(1)), ["tagid"] = 555 })));
        await api.TagAsync(water, [.. openIds.Take(50)]);
        var tags = await api.CallAsync("tags/get");
        Assert.Equal(50, (int)tags["tags"]!.AsArray().Single(t => (int)t!["id"]! == water)!["count"]!);
        var members = await api.CallAsync("user/tag/get", new JsonObject { ["tagid"] = water, ["next_openid"] = string.Empty });
        Assert.Equal(50, (int)members["count"]!);
        Assert.Equal(openIds.Take(50), members["data"]!["openid"]!.AsArray().Select(o => (string)o!));
        Assert.Equal([water], (await api.CallAsync("tags/getidlist", new JsonObject { ["openid"] = openIds[0] }))["tagid_list"]!.AsArray().Select(t => (int)t!));

        // A follower with 20 tags gets no 21st (45059); untagging frees a place.
        var more = new List<int>();
        for (var i = 0; i < 19; i++)
        {
            more.Add(await api.CreateTagAsync("tema " + i.ToString(CultureInfo.InvariantCulture)));
            await api.TagAsync(more[^1], openIds[0]);
        }

        var twentyFirst = await api.CreateTagAsync("tema 19");
        Assert.Equal(45059, WeChatApiClient.Code(await api.CallAsync("tags/members/batchtagging", new JsonObject { ["openid_list"] = WeChatApiClient.Array([openIds[0]]), ["tagid"] = twentyFirst })));
        Assert.Equal(0, WeChatApiClient.Code(await api.CallAsync("tags/members/batchuntagging", new JsonObject { ["openid_list"] = WeChatApiClient.Array([openIds[0]]), ["tagid"] = more[0] })));
        await api.TagAsync(twentyFirst, openIds[0]);

        // At most 100 tags: 22 exist; 78 more fit, the 101st is refused (45056).
        for (var i = 0; i < 78; i++)
        {
            await api.CreateTagAsync("riempitivo " + i.ToString(CultureInfo.InvariantCulture));
        }

        Assert.Equal(45056, WeChatApiClient.Code(await api.CallAsync("tags/create", TagBody("uno di troppo"))));
        Assert.Equal(n.ChannelId, account.Id);
    }

    [Fact]
    public async Task A_repeated_clientmsgid_is_the_same_mass_send_for_24_hours()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service);
        var api = new WeChatApiClient(factory.CreateClient(), account);
        await api.TokenAsync();
        var openId = Follow(account, "Li Na");
        var tag = await api.CreateTagAsync("traffico-zh");
        await api.TagAsync(tag, openId);

        var sent = await api.MassTextAsync(WeChatApiClient.ToTag(tag), "Via Roma chiusa domenica.", clientMsgId: "bulletin-1-zh");
        Assert.Equal(0, WeChatApiClient.Code(sent));
        Assert.Equal("send job submission success", (string?)sent["errmsg"]);
        var msgId = (long)sent["msg_id"]!;

        var repeat = await api.MassTextAsync(WeChatApiClient.ToTag(tag), "Via Roma chiusa domenica.", clientMsgId: "bulletin-1-zh");
        Assert.Equal(45065, WeChatApiClient.Code(repeat));
        Assert.Equal(msgId, (long)repeat["msg_id"]!);
        Assert.Single(Simulator.Conversation(account.Id, openId), m => m.Kind == WeChatPhoneKind.MassText);
        Assert.Equal(45067, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToTag(tag), "x", clientMsgId: new string('c', 65))));

        factory.Clock.Advance(TimeSpan.FromHours(24));
        var later = await api.MassTextAsync(WeChatApiClient.ToTag(tag), "Via Roma chiusa domenica.", clientMsgId: "bulletin-1-zh");
        Assert.Equal(0, WeChatApiClient.Code(later));
        Assert.NotEqual(msgId, (long)later["msg_id"]!);
    }

    [Fact]
    public async Task A_subscription_account_mass_sends_once_a_day_in_Chinas_time()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Subscription);
        var api = new WeChatApiClient(factory.CreateClient(), account);
        await api.TokenAsync();
        Follow(account, "Chen Jie");

        // 23:50 in China: one mass send today, not two (45028).
        SetChina(NextChinaDay().AddHours(23).AddMinutes(50));
        Assert.Equal(0, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToAll(), "Primo avviso")));
        var second = await api.MassTextAsync(WeChatApiClient.ToAll(), "Secondo avviso");
        Assert.Equal(45028, WeChatApiClient.Code(second));
        Assert.StartsWith("has no masssend quota", (string?)second["errmsg"], StringComparison.Ordinal);

        // 23:59:59 is still the same day; at midnight in China (16:00 UTC, the same UTC day) the quota is back.
        factory.Clock.Advance(TimeSpan.FromSeconds(599));
        Assert.Equal(45028, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToAll(), "Secondo avviso")));
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(16, factory.Clock.GetUtcNow().Hour);
        Assert.Equal(0, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToAll(), "Secondo avviso")));
        Assert.Equal(45028, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToAll(), "Terzo avviso")));

        // A subscription account cannot mass send by OpenID list at all.
        Assert.Equal(48001, WeChatApiClient.Code(await api.CallAsync("message/mass/send", new JsonObject
        {
            ["touser"] = WeChatApiClient.Array(["a", "b"]), ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = "x" },
        })));
    }

    [Fact]
    public async Task A_service_accounts_follower_receives_four_mass_sends_a_month_and_a_fifth_is_filtered_out()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service);
        var api = new WeChatApiClient(factory.CreateClient(), account);
        await api.TokenAsync();
        var wang = Follow(account, "Wang Lei");
        var zhou = Follow(account, "Zhou Min");
        var water = await api.CreateTagAsync("acqua");
        var schools = await api.CreateTagAsync("scuole");
        await api.TagAsync(water, wang, zhou);
        await api.TagAsync(schools, wang);

        var month = NextChinaMonth();
        SetChina(month.AddHours(10));
        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(0, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToTag(water), "Acqua " + i.ToString(CultureInfo.InvariantCulture))));
        }

        // The fifth this month: accepted, but Wang (who had four) is filtered out; nobody else has the tag.
        var fifth = await api.MassTextAsync(WeChatApiClient.ToTag(schools), "Scuole chiuse");
        Assert.Equal(0, WeChatApiClient.Code(fifth));
        Assert.Equal(4, MassTexts(account, wang).Count);
        Assert.Equal(4, MassTexts(account, zhou).Count);
        var finish = WeChatXml.Parse(Simulator.Outbox(account.Id).Last(r => r.What == "event:MASSSENDJOBFINISH").Xml).MassSend!;
        Assert.Equal(((long)fifth["msg_id"]!).ToString(CultureInfo.InvariantCulture), finish.MsgId);
        Assert.Equal((1, 0, 0, 0), (finish.TotalCount, finish.FilterCount, finish.SentCount, finish.ErrorCount));
        Assert.Equal("send success", finish.Status);

        // To everyone: once a day (45028 the second time).
        Assert.Equal(0, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToAll(), "A tutti")));
        Assert.Equal(45028, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToAll(), "A tutti di nuovo")));

        // The next month in China, Wang receives again.
        SetChina(month.AddMonths(1).AddSeconds(1));
        Assert.Equal(0, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToTag(schools), "Scuole riaperte")));
        Assert.Equal(["Acqua 1", "Acqua 2", "Acqua 3", "Acqua 4", "Scuole riaperte"], MassTexts(account, wang));
        var april = WeChatXml.Parse(Simulator.Outbox(account.Id).Last(r => r.What == "event:MASSSENDJOBFINISH").Xml).MassSend!;
        Assert.Equal((1, 1, 1, 0), (april.TotalCount, april.FilterCount, april.SentCount, april.ErrorCount));

        // Text longer than WeChat's limit for mass sends: 45002; an unknown tag: 45159.
        Assert.Equal(45002, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToTag(water), new string('字', WeChatSimulator.MassTextLimit + 1))));
        Assert.Equal(45159, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToTag(12345), "x")));
    }

    [Fact]
    public async Task Sixty_mass_api_calls_a_minute_and_no_more()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service);
        var api = new WeChatApiClient(factory.CreateClient(), account);
        await api.TokenAsync();
        for (var i = 0; i < 60; i++)
        {
            Assert.NotEqual(45011, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToTag(9999), "x")));
        }

        Assert.Equal(45011, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToTag(9999), "x")));
        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(45159, WeChatApiClient.Code(await api.MassTextAsync(WeChatApiClient.ToTag(9999), "x")));
    }

    [Fact]
    public async Task Customer_service_messages_go_only_within_48_hours_of_the_followers_last_action()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service);
        var api = new WeChatApiClient(factory.CreateClient(), account);
        await api.TokenAsync();
        var openId = Follow(account, "Huang Yan");

        Assert.Equal(0, WeChatApiClient.Code(await api.CallAsync("message/custom/send", Custom(openId, "Benvenuta! 欢迎关注"))));
        Assert.Contains(Simulator.Conversation(account.Id, openId), m => m is { Kind: WeChatPhoneKind.CustomerService, Text: "Benvenuta! 欢迎关注" });
        Assert.Equal(40003, WeChatApiClient.Code(await api.CallAsync("message/custom/send", Custom("oNobody00000000000000000000", "x"))));

        factory.Clock.Advance(TimeSpan.FromHours(48));
        Assert.Equal(0, WeChatApiClient.Code(await api.CallAsync("message/custom/send", Custom(openId, "Ancora in tempo"))));
        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        var late = await api.CallAsync("message/custom/send", Custom(openId, "Troppo tardi"));
        Assert.Equal(45015, WeChatApiClient.Code(late));
        Assert.DoesNotContain(Simulator.Conversation(account.Id, openId), m => m.Text == "Troppo tardi");

        // The follower writes: the window opens again; after unfollowing it is closed.
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Send(account, "Huang Yan", "TEMI"));
        Assert.Equal(0, WeChatApiClient.Code(await api.CallAsync("message/custom/send", Custom(openId, "1 Acqua, 2 Scuole"))));
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Unfollow(account, "Huang Yan"));
        Assert.Equal(45015, WeChatApiClient.Code(await api.CallAsync("message/custom/send", Custom(openId, "Ciao"))));
    }

    [Fact]
    public async Task An_article_needs_the_sandbox_cover_leaves_the_drafts_when_sent_and_takes_comments_the_account_can_elect_and_answer()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service);
        var api = new WeChatApiClient(factory.CreateClient(), account);
        await api.TokenAsync();
        var openId = Follow(account, "Sun Li");
        var tag = await api.CreateTagAsync("cultura");
        await api.TagAsync(tag, openId);

        Assert.Equal(40007, WeChatApiClient.Code(await api.CallAsync("draft/add", Draft("Festa di quartiere", "another-cover"))));
        Assert.Equal(45003, WeChatApiClient.Code(await api.CallAsync("draft/add", Draft(new string('t', 33), WeChatSandbox.CoverMediaId))));
        var mediaId = (string)(await api.CallAsync("draft/add", Draft("Festa di quartiere", WeChatSandbox.CoverMediaId)))["media_id"]!;

        var sent = await api.CallAsync("message/mass/sendall", new JsonObject
        {
            ["filter"] = WeChatApiClient.ToTag(tag), ["msgtype"] = "mpnews", ["mpnews"] = new JsonObject { ["media_id"] = mediaId }, ["send_ignore_reprint"] = 0,
        });
        Assert.Equal(0, WeChatApiClient.Code(sent));
        var msgDataId = (long)sent["msg_data_id"]!;
        var article = Assert.Single(Simulator.Conversation(account.Id, openId), m => m.Kind == WeChatPhoneKind.MassArticle);
        Assert.Equal("Festa di quartiere", article.Title);
        Assert.Equal((msgDataId, 0), (article.MsgDataId, article.Index));

        // Sent, the draft is gone: the same media_id again is 40007.
        Assert.Equal(40007, WeChatApiClient.Code(await api.CallAsync("message/mass/sendall", new JsonObject
        {
            ["filter"] = WeChatApiClient.ToTag(tag), ["msgtype"] = "mpnews", ["mpnews"] = new JsonObject { ["media_id"] = mediaId },
        })));

        // The follower comments; the account lists, elects and answers it.
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Comment(account, "Sun Li", msgDataId, 0, "Ci sarò! 我会去的"));
        Assert.Equal(WeChatPhoneProblem.NoSuchArticle, Simulator.Comment(account, "Qualcun altro", msgDataId, 0, "?"));
        var list = await api.CallAsync("comment/list", CommentKey(msgDataId, new JsonObject { ["begin"] = 0, ["count"] = 50, ["type"] = 0 }));
        Assert.Equal(1, (int)list["total"]!);
        var comment = list["comment"]!.AsArray().Single()!;
        Assert.Equal((openId, "Ci sarò! 我会去的", 0), ((string)comment["openid"]!, (string)comment["content"]!, (int)comment["comment_type"]!));
        var commentId = (long)comment["user_comment_id"]!;
        Assert.Equal(88010, WeChatApiClient.Code(await api.CallAsync("comment/list", CommentKey(msgDataId, new JsonObject { ["begin"] = 0, ["count"] = 51, ["type"] = 0 }))));
        Assert.Equal(88001, WeChatApiClient.Code(await api.CallAsync("comment/list", CommentKey(msgDataId + 1000, new JsonObject { ["begin"] = 0, ["count"] = 10, ["type"] = 0 }))));
        Assert.Equal(0, WeChatApiClient.Code(await api.CallAsync("comment/markelect", CommentKey(msgDataId, new JsonObject { ["user_comment_id"] = commentId }))));
        Assert.Equal(0, WeChatApiClient.Code(await api.CallAsync("comment/reply/add", CommentKey(msgDataId, new JsonObject { ["user_comment_id"] = commentId, ["content"] = "Grazie! 谢谢" }))));
        Assert.Equal(88005, WeChatApiClient.Code(await api.CallAsync("comment/reply/add", CommentKey(msgDataId, new JsonObject { ["user_comment_id"] = commentId, ["content"] = "Di nuovo" }))));
        var elected = await api.CallAsync("comment/list", CommentKey(msgDataId, new JsonObject { ["begin"] = 0, ["count"] = 10, ["type"] = 2 }));
        Assert.Equal(1, (int)elected["comment"]![0]!["comment_type"]!);
        Assert.Equal("Grazie! 谢谢", (string?)elected["comment"]![0]!["reply"]!["content"]);
        var (comments, open) = Simulator.Comments(account.Id, msgDataId, 0);
        Assert.True(open);
        Assert.Equal(("Grazie! 谢谢", true), (comments.Single().Reply, comments.Single().Elected));
    }

    private string Follow(ChannelAccount account, string name)
    {
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Follow(account, name, null));
        return WeChatSimulator.OpenIdOf(account.Id, name);
    }

    private List<string> MassTexts(ChannelAccount account, string openId) =>
        [.. Simulator.Conversation(account.Id, openId).Where(m => m.Kind == WeChatPhoneKind.MassText).Select(m => m.Text)];

    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    /// <summary>Moves the clock forward to this time in China (UTC+8).</summary>
    private void SetChina(DateTime local)
    {
        var target = new DateTimeOffset(local, China);
        Assert.True(target >= factory.Clock.GetUtcNow(), "the clock only moves forward");
        factory.Clock.SetUtcNow(target.ToUniversalTime());
    }

    /// <summary>Midnight of the next day in China (the tests share the clock, which only moves forward).</summary>
    private DateTime NextChinaDay() => factory.Clock.GetUtcNow().ToOffset(China).Date.AddDays(1);

    /// <summary>Midnight of the first day of the next month in China.</summary>
    private DateTime NextChinaMonth()
    {
        var now = factory.Clock.GetUtcNow().ToOffset(China);
        return new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1);
    }

    private static JsonObject TagBody(string name) => new() { ["tag"] = new JsonObject { ["name"] = name } };

    private static JsonObject Custom(string openId, string text) => new()
    {
        ["touser"] = openId, ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = text },
    };

    private static JsonObject Draft(string title, string cover) => new()
    {
        ["articles"] = new JsonArray(new JsonObject
        {
            ["title"] = title, ["author"] = "Comune", ["digest"] = "Sabato in piazza", ["content"] = "<p>Sabato <b>festa</b> in piazza.</p>",
            ["thumb_media_id"] = cover, ["need_open_comment"] = 1, ["only_fans_can_comment"] = 1,
        }),
    };

    private static JsonObject CommentKey(long msgDataId, JsonObject rest)
    {
        rest["msg_data_id"] = msgDataId;
        rest["index"] = 0;
        return rest;
    }
}

/// <summary>
/// The simulator's callbacks, as WeChat posts them, to a stand-in for the channel's server: signed with the account's
/// token, encrypted in safe mode (decrypted here with <see cref="WeChatCrypto"/>), subscribe events carrying the flyer's
/// scene, retried when no answer comes within the timeout (the same message, so a server can de-duplicate it), passive
/// replies verified before they reach the follower's phone, and MASSSENDJOBFINISH after a mass send.
/// </summary>
public sealed class WeChatSimulatorCallbackTests(WeChatSandboxFactory factory) : IClassFixture<WeChatSandboxFactory>
{
    private WeChatSimulator Simulator => factory.Simulator;

    [Fact]
    public async Task Safe_mode_callbacks_are_signed_and_encrypted_as_WeChat_does_and_following_by_a_flyer_carries_its_scene()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service);
        Assert.Equal(43, account.Secret(WeChatChannel.EncodingAesKey)!.Length);
        Assert.Matches("^wx[0-9a-f]{16}$", account.Setting(WeChatChannel.AppId));
        Assert.Matches("^gh_[0-9a-f]{12}$", account.Setting(WeChatChannel.OriginalId));
        Assert.Equal(WeChatSandbox.CoverMediaId, account.Setting(WeChatChannel.CoverMediaId));
        var api = new WeChatApiClient(factory.CreateClient(), account);
        await api.TokenAsync();
        var qr = await api.CallAsync("qrcode/create", new JsonObject
        {
            ["action_name"] = "QR_LIMIT_STR_SCENE", ["action_info"] = new JsonObject { ["scene"] = new JsonObject { ["scene_str"] = "volantino-via-roma" } },
        });
        Assert.StartsWith("http://weixin.qq.com/q/", (string?)qr["url"], StringComparison.Ordinal);
        Assert.Equal(40097, WeChatApiClient.Code(await api.CallAsync("qrcode/create", new JsonObject
        {
            ["action_name"] = "QR_LIMIT_STR_SCENE", ["action_info"] = new JsonObject { ["scene"] = new JsonObject { ["scene_str"] = new string('s', 65) } },
        })));
        Assert.Equal("volantino-via-roma", Assert.Single(Simulator.Scenes(account.Id)).Scene);

        Assert.Equal(WeChatPhoneProblem.UnknownScene, Simulator.Follow(account, "Zhang Wei", "another-flyer"));
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Follow(account, "Zhang Wei", "volantino-via-roma"));
        var openId = WeChatSimulator.OpenIdOf(account.Id, "Zhang Wei");
        var subscribe = Decrypt(account, await NextAsync(account.Id, 1));
        Assert.Equal(("event", "subscribe", "qrscene_volantino-via-roma", "volantino-via-roma"), (subscribe.MsgType, subscribe.Event, subscribe.EventKey, subscribe.Scene));
        Assert.Equal((openId, account.Setting(WeChatChannel.OriginalId)), (subscribe.FromUserName, subscribe.ToUserName));

        // An existing follower who scans again: SCAN with the scene itself.
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Follow(account, "Zhang Wei", "volantino-via-roma"));
        var scan = Decrypt(account, await NextAsync(account.Id, 2));
        Assert.Equal(("SCAN", "volantino-via-roma"), (scan.Event, scan.EventKey));

        // A text: the same checks, and its MsgId.
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Send(account, "Zhang Wei", "订阅"));
        var text = Decrypt(account, await NextAsync(account.Id, 3));
        Assert.Equal(("text", "订阅"), (text.MsgType, text.Content));
        Assert.Equal(Simulator.Conversation(account.Id, openId).Last(m => m.Kind == WeChatPhoneKind.Sent).Id, text.MsgId);
    }

    [Fact]
    public async Task A_verified_passive_reply_reaches_the_phone_and_an_unverifiable_one_is_ignored()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service);
        var token = account.Secret(WeChatChannel.Token)!;
        var key = account.Secret(WeChatChannel.EncodingAesKey)!;
        var appId = account.Setting(WeChatChannel.AppId)!;
        var forge = false;
        factory.Hook.Handlers[account.Id] = (received, _) =>
        {
            var inbound = Decrypt(account, received);
            if (inbound.MsgType != "text")
            {
                return Task.FromResult("success");
            }

            var reply = WeChatXml.TextReply(inbound.FromUserName, inbound.ToUserName, DateTime.UtcNow, "Hai scritto: " + inbound.Content);
            var encrypt = WeChatCrypto.Encrypt(reply, key, appId);
            const string Timestamp = "1767225600";
            const string Nonce = "424242";
            var signature = forge ? new string('0', 40) : WeChatCrypto.Signature(token, Timestamp, Nonce, encrypt);
            return Task.FromResult(WeChatXml.Envelope(encrypt, signature, Timestamp, Nonce));
        };
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Follow(account, "Liu Yang", null));
        var openId = WeChatSimulator.OpenIdOf(account.Id, "Liu Yang");

        Assert.Equal(WeChatPhoneProblem.None, Simulator.Send(account, "Liu Yang", "Ciao"));
        var replied = await RecordAsync(account.Id, "text", 0);
        Assert.Equal(("Replied", "Hai scritto: Ciao"), (replied.Result, replied.Reply));
        Assert.Contains(Simulator.Conversation(account.Id, openId), m => m is { Kind: WeChatPhoneKind.Reply, Text: "Hai scritto: Ciao" });

        // A reply whose MsgSignature is wrong is not shown; WeChat tells the follower the account cannot answer.
        forge = true;
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Send(account, "Liu Yang", "Ci sei?"));
        var rejected = await RecordAsync(account.Id, "text", 1);
        Assert.Equal("ReplyRejected", rejected.Result);
        var phone = Simulator.Conversation(account.Id, openId);
        Assert.DoesNotContain(phone, m => m.Text == "Hai scritto: Ci sei?");
        Assert.Equal(WeChatSimulator.ServiceUnavailableNotice, phone[^1].Text);
    }

    [Fact]
    public async Task A_callback_without_an_answer_in_time_is_tried_again_with_the_same_message_and_in_plain_mode_the_body_is_the_xml()
    {
        // No EncodingAESKey: plain mode, the XML itself with signature, timestamp, nonce and openid.
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service, new Dictionary<string, string> { [WeChatChannel.EncodingAesKey] = string.Empty });
        Assert.Null(account.Secret(WeChatChannel.EncodingAesKey));
        var calls = 0;
        factory.Hook.Handlers[account.Id] = async (received, aborted) =>
        {
            if (WeChatXml.Parse(received.Body).MsgType == "text" && Interlocked.Increment(ref calls) == 1)
            {
                await Task.Delay(Timeout.Infinite, aborted); // never answers: the simulator must give up on it and try again
            }

            return "success";
        };
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Follow(account, "Guo Jing", null));
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Send(account, "Guo Jing", "Quando passa il vetro?"));
        var record = await RecordAsync(account.Id, "text", 0);
        Assert.Equal("Answered", record.Result);
        Assert.Equal(["timeout", "answered"], record.Attempts().Select(a => a.Outcome));

        var texts = factory.Hook.Of(account.Id).Where(r => WeChatXml.Parse(r.Body).MsgType == "text").ToList();
        Assert.Equal(2, texts.Count);
        Assert.All(texts, r =>
        {
            Assert.False(r.Query.ContainsKey("encrypt_type"));
            Assert.True(WeChatCrypto.SignatureValid(r.Query["signature"], account.Secret(WeChatChannel.Token)!, r.Query["timestamp"], r.Query["nonce"]));
        });
        var (first, second) = (WeChatXml.Parse(texts[0].Body), WeChatXml.Parse(texts[1].Body));
        Assert.Equal(first.DedupeKey, second.DedupeKey);
        Assert.Equal("Quando passa il vetro?", second.Content);

        // A server that never answers: the first attempt and three retries, then WeChat gives up and tells the follower.
        factory.Hook.Handlers[account.Id] = async (_, aborted) =>
        {
            await Task.Delay(Timeout.Infinite, aborted);
            return "success";
        };
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Send(account, "Guo Jing", "Pronto?"));
        var failed = await RecordAsync(account.Id, "text", 1);
        Assert.Equal("Failed", failed.Result);
        Assert.Equal(4, failed.Attempts().Count);
        Assert.All(failed.Attempts(), a => Assert.Equal("timeout", a.Outcome));
        Assert.Equal(WeChatSimulator.ServiceUnavailableNotice, Simulator.Conversation(account.Id, WeChatSimulator.OpenIdOf(account.Id, "Guo Jing"))[^1].Text);
    }

    [Fact]
    public async Task A_mass_send_to_a_tag_reaches_only_its_followers_and_MASSSENDJOBFINISH_follows()
    {
        var (_, account) = await factory.AccountAsync(WeChatChannel.Service);
        var api = new WeChatApiClient(factory.CreateClient(), account);
        await api.TokenAsync();
        foreach (var name in new[] { "Ma Li", "Xu Bo", "He Yun" })
        {
            Assert.Equal(WeChatPhoneProblem.None, Simulator.Follow(account, name, null));
        }

        var (ma, xu, he) = (WeChatSimulator.OpenIdOf(account.Id, "Ma Li"), WeChatSimulator.OpenIdOf(account.Id, "Xu Bo"), WeChatSimulator.OpenIdOf(account.Id, "He Yun"));
        var tag = await api.CreateTagAsync("protezione-civile-zh");
        await api.TagAsync(tag, ma, xu);

        var sent = await api.MassTextAsync(WeChatApiClient.ToTag(tag), "暴雨预警：明天学校停课。");
        Assert.Equal(0, WeChatApiClient.Code(sent));
        Assert.Contains(Simulator.Conversation(account.Id, ma), m => m is { Kind: WeChatPhoneKind.MassText, Text: "暴雨预警：明天学校停课。" });
        Assert.Contains(Simulator.Conversation(account.Id, xu), m => m.Kind == WeChatPhoneKind.MassText);
        Assert.DoesNotContain(Simulator.Conversation(account.Id, he), m => m.Kind == WeChatPhoneKind.MassText);

        var finish = await NextAsync(account.Id, r => Decrypt(account, r).Event == "MASSSENDJOBFINISH");
        Assert.Equal(WeChatSimulator.MassHelper, finish.Query["openid"]);
        var result = Decrypt(account, finish).MassSend!;
        Assert.Equal(((long)sent["msg_id"]!).ToString(CultureInfo.InvariantCulture), result.MsgId);
        Assert.True(result.Succeeded);
        Assert.Equal((2, 2, 2, 0), (result.TotalCount, result.FilterCount, result.SentCount, result.ErrorCount));
    }

    /// <summary>Checks a safe-mode callback as the account's server must (signature, msg_signature) and decrypts it.</summary>
    private static WeChatInbound Decrypt(ChannelAccount account, ReceivedCallback received)
    {
        var token = account.Secret(WeChatChannel.Token)!;
        var q = received.Query;
        Assert.Equal("aes", q["encrypt_type"]);
        Assert.True(WeChatCrypto.SignatureValid(q["signature"], token, q["timestamp"], q["nonce"]));
        var envelope = WeChatXml.Fields(received.Body);
        Assert.Equal(account.Setting(WeChatChannel.OriginalId), envelope["ToUserName"]);
        Assert.True(WeChatCrypto.SignatureValid(q["msg_signature"], token, q["timestamp"], q["nonce"], envelope["Encrypt"]));
        var inbound = WeChatXml.Parse(WeChatCrypto.Decrypt(envelope["Encrypt"], account.Secret(WeChatChannel.EncodingAesKey)!, account.Setting(WeChatChannel.AppId)!));
        Assert.Equal(q["openid"], inbound.FromUserName);
        return inbound;
    }

    /// <summary>The <paramref name="count"/>-th callback the channel's server received.</summary>
    private async Task<ReceivedCallback> NextAsync(Guid channelId, int count)
    {
        await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(factory.Hook.Of(channelId).Count >= count), 20, $"{count} callbacks");
        return factory.Hook.Of(channelId)[count - 1];
    }

    private async Task<ReceivedCallback> NextAsync(Guid channelId, Func<ReceivedCallback, bool> match)
    {
        await BroadcastFactory.WaitUntilAsync(() => Task.FromResult(factory.Hook.Of(channelId).Any(match)), 20, "the callback");
        return factory.Hook.Of(channelId).First(match);
    }

    /// <summary>The <paramref name="index"/>-th outbox record of that kind, once it is no longer pending.</summary>
    private async Task<WeChatCallbackRecord> RecordAsync(Guid channelId, string what, int index)
    {
        await BroadcastFactory.WaitUntilAsync(
            () => Task.FromResult(Simulator.Outbox(channelId).Where(r => r.What == what).Skip(index).FirstOrDefault() is { Result: not "Pending" }), 20, what + " answered");
        return Simulator.Outbox(channelId).Where(r => r.What == what).Skip(index).First();
    }
}
