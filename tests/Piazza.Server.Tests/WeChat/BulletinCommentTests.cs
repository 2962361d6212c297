using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Piazza.Channels;
using Piazza.Channels.WeChat;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>
/// Followers' comments on a bulletin that went to WeChat as an article, end to end through the sandbox: people follow
/// the account on the simulated phone, the bulletin goes out through the real adapter as a mass send of an article,
/// they comment under it in the simulator, and Piazza reads the comments over HTTP (on demand, and in the background),
/// replies to them and hides or shows them — WeChat first, then the row, then an audit entry naming who did it.
/// </summary>
public sealed class BulletinCommentTests(WeChatLiveFactory factory) : IClassFixture<WeChatLiveFactory>
{
    private WeChatSimulator Simulator => factory.Simulator;

    private WeChatApi Api => factory.Service<WeChatApi>();

    [Fact]
    public async Task Comments_are_read_from_WeChat_and_approvers_reply_hide_and_show_them_each_audited()
    {
        var s = await SentBulletinAsync("Li Wei", "Chen Jing");
        var url = $"/api/v1/bulletins/{s.PostId}/comments";
        var before = await s.N.Admin.GetJsonAsync(url);
        Assert.NotEmpty(before["articles"]!.AsArray());
        Assert.Null(before["articles"]![0]!["commentsReadAt"]?.GetValue<DateTime?>());
        Assert.Empty(before["comments"]!.AsArray());

        Comment(s, "Li Wei", "Grazie! Fino a che ora manca l'acqua?");
        Comment(s, "Chen Jing", "谢谢通知");

        // Read on demand (bulletins:read is enough): both are new.
        var reading = await s.N.Author.PostJsonAsync($"{url}/refresh", null, HttpStatusCode.OK);
        Assert.Equal((2, 2, 0), (reading.Int("comments"), reading.Int("added"), reading.Int("changed")));
        Assert.Empty(reading["problems"]!.AsArray());
        var listed = await s.N.Author.GetJsonAsync(url);
        Assert.NotNull(listed["articles"]![0]!["commentsReadAt"]);
        var comments = listed["comments"]!.Items().ToList();
        Assert.Equal(2, comments.Count);
        var li = comments.Single(c => (string?)c["text"] == "Grazie! Fino a che ora manca l'acqua?");
        var chen = comments.Single(c => (string?)c["text"] == "谢谢通知");
        // The author's OpenID is personal data: masked, never in the answer.
        var openIdLi = WeChatSimulator.OpenIdOf(s.Account.Id, "Li Wei");
        Assert.Equal(openIdLi[..2] + "•••••" + openIdLi[^2..], (string?)li["maskedAuthor"]);
        Assert.DoesNotContain(openIdLi, listed.Text(), StringComparison.Ordinal);
        Assert.False((bool)li["shown"]!);
        Assert.Null((string?)li["reply"]);

        // Reading again changes nothing.
        var again = await s.N.Author.PostJsonAsync($"{url}/refresh", null, HttpStatusCode.OK);
        Assert.Equal((2, 0, 0), (again.Int("comments"), again.Int("added"), again.Int("changed")));
        Assert.Equal(2, await RowsAsync(s.PostId));

        // An approver replies: on WeChat first, then in Piazza, audited with the approver's name.
        var liId = li.Id();
        var replied = await s.N.Approver.PostJsonAsync($"{url}/{liId}/reply", new { text = "Fino alle 12, grazie a lei." }, HttpStatusCode.OK);
        Assert.Equal("Fino alle 12, grazie a lei.", (string?)replied["reply"]);
        Assert.Equal("API key approvazione", (string?)replied["repliedBy"]);
        Assert.Equal("Fino alle 12, grazie a lei.", (await OnWeChatAsync(s, "Li Wei")).Reply);
        var audit = Assert.Single(await factory.AuditAsync(s.N.OrganizationId, "comment.replied"));
        Assert.Equal(("API key approvazione", liId), (audit.ActorName, audit.ObjectId));
        Assert.DoesNotContain(openIdLi, audit.Detail ?? string.Empty, StringComparison.Ordinal);

        // A second reply replaces the first (WeChat keeps one): 600 characters is WeChat's limit.
        var longest = new string('好', WeChatComments.MaxReply);
        await s.N.Approver.PostJsonAsync($"{url}/{liId}/reply", new { text = longest }, HttpStatusCode.OK);
        Assert.Equal(longest, (await OnWeChatAsync(s, "Li Wei")).Reply);
        var tooLong = await s.N.Approver.SendProblemAsync(HttpMethod.Post, $"{url}/{liId}/reply", new { text = longest + "!" }, HttpStatusCode.BadRequest);
        Assert.Equal("The reply is longer than 600 characters.", (string?)tooLong["errors"]!["text"]![0]);
        var empty = await s.N.Approver.SendProblemAsync(HttpMethod.Post, $"{url}/{liId}/reply", new { text = "  " }, HttpStatusCode.BadRequest);
        Assert.Equal("Write the reply.", (string?)empty["errors"]!["text"]![0]);
        Assert.Equal(longest, (await OnWeChatAsync(s, "Li Wei")).Reply);

        // Show, then hide, Chen's comment.
        var chenId = chen.Id();
        var shown = await s.N.Approver.PostJsonAsync($"{url}/{chenId}/show", null, HttpStatusCode.OK);
        Assert.Equal((true, false), ((bool)shown["shown"]!, (bool)shown["hidden"]!));
        Assert.True((await OnWeChatAsync(s, "Chen Jing")).Elected);
        var hidden = await s.N.Approver.PostJsonAsync($"{url}/{chenId}/hide", null, HttpStatusCode.OK);
        Assert.Equal((false, true), ((bool)hidden["shown"]!, (bool)hidden["hidden"]!));
        Assert.False((await OnWeChatAsync(s, "Chen Jing")).Elected);
        Assert.Equal(chenId, Assert.Single(await factory.AuditAsync(s.N.OrganizationId, "comment.shown")).ObjectId);
        Assert.Equal(chenId, Assert.Single(await factory.AuditAsync(s.N.OrganizationId, "comment.hidden")).ObjectId);

        // Those who do not approve bulletins may read, not act.
        await s.N.Author.SendProblemAsync(HttpMethod.Post, $"{url}/{chenId}/show", null, HttpStatusCode.Forbidden);
        await s.N.Author.SendProblemAsync(HttpMethod.Post, $"{url}/{liId}/reply", new { text = "Io no" }, HttpStatusCode.Forbidden);
        Assert.False((await OnWeChatAsync(s, "Chen Jing")).Elected);
        Assert.Equal(longest, (await OnWeChatAsync(s, "Li Wei")).Reply);
        Assert.Equal(2, (await factory.AuditAsync(s.N.OrganizationId, "comment.replied")).Count);

        // Reading after Piazza's own actions finds nothing changed.
        var last = await s.N.Author.PostJsonAsync($"{url}/refresh", null, HttpStatusCode.OK);
        Assert.Equal((0, 0), (last.Int("added"), last.Int("changed")));
    }

    [Fact]
    public async Task The_reader_pages_through_many_comments_and_follows_what_changed_on_WeChat()
    {
        var s = await SentBulletinAsync("Wang Fang");
        for (var i = 1; i <= 60; i++)
        {
            Comment(s, "Wang Fang", $"Commento numero {i}");
        }

        // The background reader's round (called here rather than waited for): 60 comments, two pages of WeChat's 50.
        var results = await factory.Reader.ReadAllAsync(CancellationToken.None);
        var reading = results[s.Account.Id];
        Assert.Equal((60, 60, 0), (reading.Comments, reading.Added, reading.Changed));
        Assert.Equal(60, await RowsAsync(s.PostId));
        await using (var db = factory.Database.CreateContext())
        {
            Assert.All(await db.WeChatMassSends.IgnoreQueryFilters().Where(m => m.PostId == s.PostId && m.MsgDataId != null).ToListAsync(),
                m => Assert.NotNull(m.CommentsReadAt));
            var texts = await db.BulletinComments.IgnoreQueryFilters().Where(c => c.PostId == s.PostId).Select(c => c.Text).ToListAsync();
            Assert.Equal(Enumerable.Range(1, 60).Select(i => $"Commento numero {i}").Order(StringComparer.Ordinal), texts.Order(StringComparer.Ordinal));
            Assert.All(await db.BulletinComments.IgnoreQueryFilters().Where(c => c.PostId == s.PostId).ToListAsync(),
                c => Assert.Equal((s.N.OrganizationId, s.Account.Id, WeChatSimulator.OpenIdOf(s.Account.Id, "Wang Fang")), (c.OrganizationId, c.ChannelId, c.Author)));
        }

        // On WeChat's own platform someone replies to one comment, shows another and deletes a third.
        var onWeChat = await WeChatComments.ListAllAsync(Api, s.Account, s.MsgDataIdOf["Wang Fang"].ToString(System.Globalization.CultureInfo.InvariantCulture), 0, CancellationToken.None);
        Assert.Equal(60, onWeChat.Count);
        var (first, second, third) = (onWeChat.Single(c => c.Content == "Commento numero 1"), onWeChat.Single(c => c.Content == "Commento numero 2"), onWeChat.Single(c => c.Content == "Commento numero 3"));
        var article = s.MsgDataIdOf["Wang Fang"].ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Api.ReplyCommentAsync(s.Account, article, 0, first.UserCommentId, "Risposta scritta su WeChat", CancellationToken.None);
        await Api.ElectCommentAsync(s.Account, article, 0, second.UserCommentId, elect: true, CancellationToken.None);
        await Api.CallAsync(s.Account, "comment/delete", new JsonObject { ["msg_data_id"] = s.MsgDataIdOf["Wang Fang"], ["index"] = 0, ["user_comment_id"] = long.Parse(third.UserCommentId, System.Globalization.CultureInfo.InvariantCulture) }, CancellationToken.None);

        var refreshed = await s.N.Admin.PostJsonAsync($"/api/v1/bulletins/{s.PostId}/comments/refresh", null, HttpStatusCode.OK);
        Assert.Equal((59, 0, 2), (refreshed.Int("comments"), refreshed.Int("added"), refreshed.Int("changed")));
        var comments = (await s.N.Admin.GetJsonAsync($"/api/v1/bulletins/{s.PostId}/comments"))["comments"]!.Items().ToList();
        Assert.Equal(60, comments.Count);
        var one = comments.Single(c => (string?)c["text"] == "Commento numero 1");
        Assert.Equal("Risposta scritta su WeChat", (string?)one["reply"]);
        Assert.Null((string?)one["repliedBy"]);
        Assert.True((bool)comments.Single(c => (string?)c["text"] == "Commento numero 2")["shown"]!);
        Assert.True((bool)comments.Single(c => (string?)c["text"] == "Commento numero 3")["removed"]!);
        Assert.Equal(59, comments.Count(c => !(bool)c["removed"]!));
    }

    [Fact]
    public async Task Another_organization_neither_sees_nor_acts_on_the_comments()
    {
        var s = await SentBulletinAsync("Zhou Min");
        Comment(s, "Zhou Min", "Una domanda");
        await s.N.Admin.PostJsonAsync($"/api/v1/bulletins/{s.PostId}/comments/refresh", null, HttpStatusCode.OK);
        var comment = Assert.Single((await s.N.Admin.GetJsonAsync($"/api/v1/bulletins/{s.PostId}/comments"))["comments"]!.AsArray())!;
        var url = $"/api/v1/bulletins/{s.PostId}/comments";

        var (_, stranger) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Altrove"));
        var notFound = await stranger.SendProblemAsync(HttpMethod.Get, url, null, HttpStatusCode.NotFound);
        Assert.DoesNotContain("Una domanda", notFound.ToJsonString(), StringComparison.Ordinal);
        await stranger.SendProblemAsync(HttpMethod.Post, $"{url}/refresh", null, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Post, $"{url}/{comment.Id()}/reply", new { text = "Presa!" }, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Post, $"{url}/{comment.Id()}/show", null, HttpStatusCode.NotFound);
        await stranger.SendProblemAsync(HttpMethod.Post, $"{url}/{comment.Id()}/hide", null, HttpStatusCode.NotFound);

        // Nor through another bulletin's address, in the same organization.
        var other = await BroadcastFactory.ReadyBulletinAsync(s.N);
        await s.N.Approver.SendProblemAsync(HttpMethod.Post, $"/api/v1/bulletins/{other}/comments/{comment.Id()}/show", null, HttpStatusCode.NotFound);
        Assert.Empty((await s.N.Admin.GetJsonAsync($"/api/v1/bulletins/{other}/comments"))["articles"]!.AsArray());

        var onWeChat = await OnWeChatAsync(s, "Zhou Min");
        Assert.Equal((false, (string?)null), (onWeChat.Elected, onWeChat.Reply));
        var after = Assert.Single((await s.N.Admin.GetJsonAsync(url))["comments"]!.AsArray())!;
        Assert.Equal(comment.ToJsonString(), after.ToJsonString());
        await using var db = factory.Database.CreateContext();
        Assert.False(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(a => a.ObjectType == "comment" && a.OrganizationId == s.N.OrganizationId), "no one acted on the comment");
    }

    [Fact]
    public async Task The_bulletin_page_shows_the_comments_masked_and_approvers_act_through_its_forms()
    {
        var s = await SentBulletinAsync("Liu Yang");
        Comment(s, "Liu Yang", "Grazie per l'avviso");
        var page = $"/console/bulletins/{s.PostId}";

        // "Read comments now".
        var approver = await factory.StaffAsync(s.N.Admin, "Approver");
        var html = await approver.GetStringAsync(page);
        Assert.Contains("data-testid=\"comments\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"comments-empty\"", html, StringComparison.Ordinal);
        var location = await PostAsync(approver, html, $"{page}/comments/refresh");
        Assert.StartsWith($"{page}?comments=read&added=1&changed=0&unreadable=0", location, StringComparison.Ordinal);

        html = await approver.GetStringAsync(location);
        var text = WebUtility.HtmlDecode(html);
        Assert.Contains("Commenti letti da WeChat: 1 nuovi, 0 cambiati.", text, StringComparison.Ordinal);
        Assert.Contains("Grazie per l'avviso", text, StringComparison.Ordinal);
        var openId = WeChatSimulator.OpenIdOf(s.Account.Id, "Liu Yang");
        Assert.Contains(openId[..2] + "•••••" + openId[^2..], text, StringComparison.Ordinal);
        Assert.DoesNotContain(openId, text, StringComparison.Ordinal);
        long id;
        await using (var db = factory.Database.CreateContext())
        {
            id = (await db.BulletinComments.IgnoreQueryFilters().SingleAsync(c => c.PostId == s.PostId)).Id;
        }

        // Show, reply (also refused when empty), as the approver.
        location = await PostAsync(approver, html, $"{page}/comments/{id}/show");
        Assert.Equal($"{page}?comments=shown&comment={id}#comment-{id}", location);
        Assert.True((await OnWeChatAsync(s, "Liu Yang")).Elected);
        Assert.Contains("Il commento è visibile sotto l'articolo.", WebUtility.HtmlDecode(await approver.GetStringAsync(location)), StringComparison.Ordinal);

        location = await PostAsync(approver, html, $"{page}/comments/{id}/reply", new() { ["Text"] = "Prego!" });
        Assert.Equal($"{page}?comments=replied&comment={id}#comment-{id}", location);
        Assert.Equal("Prego!", (await OnWeChatAsync(s, "Liu Yang")).Reply);
        location = await PostAsync(approver, html, $"{page}/comments/{id}/reply", new() { ["Text"] = " " });
        Assert.StartsWith($"{page}?comments=reply-empty", location, StringComparison.Ordinal);
        Assert.Contains("Scrivi la risposta.", WebUtility.HtmlDecode(await approver.GetStringAsync(location)), StringComparison.Ordinal);
        Assert.Equal("Prego!", (await OnWeChatAsync(s, "Liu Yang")).Reply);

        // Without the antiforgery token nothing happens.
        using (var forged = await approver.PostAsync($"{page}/comments/{id}/hide", new FormUrlEncodedContent(new Dictionary<string, string>())))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        Assert.True((await OnWeChatAsync(s, "Liu Yang")).Elected);

        // An editor sees the comments without the buttons, and a forged hide is refused.
        var editor = await factory.StaffAsync(s.N.Admin, "Editor");
        var editorHtml = await editor.GetStringAsync(page);
        Assert.Contains("Grazie per l'avviso", WebUtility.HtmlDecode(editorHtml), StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"hide-form\"", editorHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"reply-form\"", editorHtml, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"hide-form\"", await approver.GetStringAsync(page), StringComparison.Ordinal);
        var editorForm = WeChatLiveFactory.Form(editorHtml, $"{page}/comments/refresh");
        using (var response = await editor.PostAsync($"{page}/comments/{id}/hide", new FormUrlEncodedContent(editorForm)))
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith($"{page}?comments=forbidden", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        Assert.True((await OnWeChatAsync(s, "Liu Yang")).Elected);
        Assert.Empty(await factory.AuditAsync(s.N.OrganizationId, "comment.hidden"));
        Assert.Single(await factory.AuditAsync(s.N.OrganizationId, "comment.shown"));
    }

    /// <summary>The test's bulletin as it went out: the newsroom, the channel's account, the bulletin and, per follower,
    /// the article (msg_data_id) they received.</summary>
    private sealed record Sent(Newsroom N, ChannelAccount Account, Guid PostId, IReadOnlyDictionary<string, long> MsgDataIdOf);

    /// <summary>The followers follow the sandbox account, a bulletin is approved and goes out through the WeChat adapter
    /// as articles (the sandbox account has a cover image), and each follower has the article on the simulated phone.</summary>
    private async Task<Sent> SentBulletinAsync(params string[] followers)
    {
        var n = await factory.WeChatNewsroomAsync();
        var account = await factory.AccountAsync(n.ChannelId);
        foreach (var f in followers)
        {
            await factory.FollowAsync(account, f);
        }

        var id = await BroadcastFactory.ReadyBulletinAsync(n, audience: "Everyone");
        await BroadcastFactory.ApproveAsync(n, id);
        await BroadcastFactory.WaitForStateAsync(n, id, 30, "Sent", "PartlyFailed");
        var articles = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var f in followers)
        {
            var openId = WeChatSimulator.OpenIdOf(account.Id, f);
            var received = Simulator.Conversation(account.Id, openId).LastOrDefault(m => m.MsgDataId is not null);
            Assert.True(received is not null, $"{f} got no article: {string.Join(" | ", Simulator.Conversation(account.Id, openId).Select(m => m.Kind + " " + m.Text))}");
            articles[f] = received.MsgDataId!.Value;
        }

        await using var db = factory.Database.CreateContext();
        var sends = await db.WeChatMassSends.IgnoreQueryFilters().Where(m => m.PostId == id && m.MsgDataId != null).Select(m => m.MsgDataId).ToListAsync();
        Assert.All(articles.Values, a => Assert.Contains(a.ToString(System.Globalization.CultureInfo.InvariantCulture), sends));
        return new Sent(n, account, id, articles);
    }

    private void Comment(Sent s, string follower, string text) =>
        Assert.Equal(WeChatPhoneProblem.None, Simulator.Comment(s.Account, follower, s.MsgDataIdOf[follower], 0, text));

    /// <summary>The follower's (single) comment as WeChat lists it.</summary>
    private async Task<WeChatComment> OnWeChatAsync(Sent s, string follower)
    {
        var all = await WeChatComments.ListAllAsync(Api, s.Account, s.MsgDataIdOf[follower].ToString(System.Globalization.CultureInfo.InvariantCulture), 0, CancellationToken.None);
        return Assert.Single(all, c => c.OpenId == WeChatSimulator.OpenIdOf(s.Account.Id, follower));
    }

    private async Task<int> RowsAsync(Guid postId)
    {
        await using var db = factory.Database.CreateContext();
        return await db.BulletinComments.IgnoreQueryFilters().CountAsync(c => c.PostId == postId);
    }

    /// <summary>Posts one of the page's forms (its antiforgery token, plus <paramref name="fields"/>) and returns where
    /// the answer redirects.</summary>
    private static async Task<string> PostAsync(HttpClient client, string html, string action, Dictionary<string, string>? fields = null)
    {
        var form = WeChatLiveFactory.Form(html, action.EndsWith("/refresh", StringComparison.Ordinal) ? action : html.Contains($"action=\"{action}\"", StringComparison.Ordinal) ? action : RefreshOf(action));
        foreach (var (k, v) in fields ?? [])
        {
            form[k] = v;
        }

        using var response = await client.PostAsync(action, new FormUrlEncodedContent(form));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>The refresh form of the bulletin a comment action belongs to (its token serves any form of the page).</summary>
    private static string RefreshOf(string action) => action[..action.IndexOf("/comments/", StringComparison.Ordinal)] + "/comments/refresh";
}
