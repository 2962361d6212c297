using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Piazza.Channels;
using Piazza.Channels.WeChat;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>The broadcast factory listening on a loopback port, so that sandbox WeChat channels reach the simulator
/// through the real <see cref="WeChatApi"/> over HTTP and the simulator's callbacks reach the server's own webhook;
/// every channel on its platform's adapter. The background comment reader waits an hour: tests call it themselves.</summary>
public sealed partial class WeChatLiveFactory : LiveBroadcastFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Sandbox:WeChat:MassSendFinishDelay"] = "00:00:00.100",
        ["WeChat:Comments:Interval"] = "01:00:00",
    };

    public WeChatSimulator Simulator => Service<WeChatSimulator>();

    public WeChatCommentReader Reader => Services.GetServices<IHostedService>().OfType<WeChatCommentReader>().Single();

    /// <summary>A follower follows the sandbox account on the simulated phone (from a flyer when <paramref name="scene"/>
    /// is given); waits until the webhook and the inbound processor made them an active subscriber.</summary>
    public async Task<Subscriber> FollowAsync(ChannelAccount account, string follower, string? scene = null)
    {
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Follow(account, follower, scene));
        var openId = WeChatSimulator.OpenIdOf(account.Id, follower);
        Subscriber? subscriber = null;
        await WaitUntilAsync(async () =>
        {
            await using var db = Database.CreateContext();
            subscriber = await db.Subscribers.IgnoreQueryFilters().AsNoTracking()
                .FirstOrDefaultAsync(s => s.ChannelId == account.Id && s.Address == openId && s.Status == SubscriberStatus.Active);
            return subscriber is not null;
        }, 20, $"{follower} subscribed");
        return subscriber!;
    }

    /// <summary>A client with the console's cookie, signed in as a new staff user of the organization with
    /// <paramref name="role"/> (created through the API with <paramref name="admin"/>).</summary>
    public async Task<HttpClient> StaffAsync(HttpClient admin, string role)
    {
        var email = $"{role.ToLowerInvariant()}.{Guid.NewGuid().ToString("N")[..8]}@example.org";
        var created = await admin.PostJsonAsync("/api/v1/users", new { email, displayName = role + " di prova", roles = new[] { new { role } } });
        var password = (string)created["password"]!;
        // Over the loopback socket, with cookies, not following redirects (the forms' answers are redirects to look at).
#pragma warning disable CA2000 // the client owns the handler
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }, disposeHandler: true)
        {
            BaseAddress = ClientOptions.BaseAddress,
        };
#pragma warning restore CA2000
        var form = Form(await client.GetStringAsync("/console/sign-in"), "sign-in");
        form["Input.Email"] = email;
        form["Input.Password"] = password;
        using (var response = await client.PostAsync("/console/sign-in", new FormUrlEncodedContent(form)))
        {
            Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {(int)response.StatusCode}");
        }

        // Signed in: the console opens instead of sending to the sign-in page.
        using var home = await client.GetAsync("/console");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        return client;
    }

    /// <summary>The hidden fields (antiforgery token, Blazor's form name) of the page's form whose action or
    /// <c>_handler</c> is <paramref name="formOrAction"/>.</summary>
    public static Dictionary<string, string> Form(string html, string formOrAction)
    {
        foreach (Match form in FormRegex().Matches(html))
        {
            var fields = HiddenRegex().Matches(form.Groups["body"].Value)
                .ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value), StringComparer.Ordinal);
            var action = WebUtility.HtmlDecode(form.Groups["action"].Value);
            if (action == formOrAction || fields.GetValueOrDefault("_handler") == formOrAction)
            {
                return fields;
            }
        }

        Assert.Fail($"No form {formOrAction} on the page: {html}");
        return [];
    }

    /// <summary>A newsroom with a sandbox WeChat channel.</summary>
    public Task<Newsroom> WeChatNewsroomAsync() => NewsroomAsync(0, "WeChat");

    /// <summary>The audit entries of an organization with <paramref name="action"/>.</summary>
    public async Task<List<Audit.AuditEntry>> AuditAsync(Guid organizationId, string action)
    {
        await using var db = Database.CreateContext();
        return await db.AuditEntries.IgnoreQueryFilters().AsNoTracking().Where(a => a.OrganizationId == organizationId && a.Action == action).OrderBy(a => a.Id).ToListAsync();
    }

    [GeneratedRegex("""<form\b(?<attrs>[^>]*?\baction="(?<action>[^"]*)")?[^>]*>(?<body>.*?)</form>""", RegexOptions.Singleline)]
    private static partial Regex FormRegex();

    [GeneratedRegex("""<input[^>]*\btype="hidden"[^>]*\bname="(?<name>[^"]*)"[^>]*\bvalue="(?<value>[^"]*)"[^>]*>""")]
    private static partial Regex HiddenRegex();
}

/// <summary>JSON helpers for these tests.</summary>
internal static class WeChatTestJson
{
    public static int Int(this JsonNode node, string name) => (int)node[name]!;
}
