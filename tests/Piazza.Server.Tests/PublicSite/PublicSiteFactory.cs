using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Piazza.Server.Tests.Api;
using Piazza.Server.Tests.Broadcast;

namespace Piazza.Server.Tests.PublicSite;

/// <summary>The real server with its dispatcher, where website channels publish through the real web adapter (not the
/// recording one), and archives of two bulletins a page.</summary>
public sealed class PublicSiteFactory : BroadcastFactory
{
    private Dictionary<string, string?>? _settings;

    protected override IReadOnlyDictionary<string, string?> Settings => _settings ??= new Dictionary<string, string?>(
        base.Settings.Where(s => s.Key != "Broadcast:Adapters:RecordAll"))
    {
        ["PublicSite:PageSize"] = "2",
    };

    /// <summary>A visitor: no sign-in, redirects not followed.</summary>
    public HttpClient Visitor() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>A newsroom whose channel is a website channel (Italian required, Chinese optional) and the organization's public address.</summary>
    public Task<(Newsroom Newsroom, string Slug)> SiteAsync() => SiteAsync(this);

    /// <summary>Like <see cref="SiteAsync()"/>, on any broadcast factory.</summary>
    public static async Task<(Newsroom Newsroom, string Slug)> SiteAsync(BroadcastFactory factory)
    {
        var n = await factory.NewsroomAsync(0, "Web", new Dictionary<string, string> { ["requiredLanguages"] = "it" });
        var org = await n.Admin.GetJsonAsync("/api/v1/organization");
        return (n, (string)org["slug"]!);
    }

    /// <summary>Writes, approves and sends a bulletin on <paramref name="channels"/> (the site by default); Chinese when given.</summary>
    public static async Task<Guid> PublishAsync(
        Newsroom n, string title, string markdown, string? zhTitle = null, string? zhMarkdown = null, string priority = "Normal", Guid? topicId = null,
        DateTime? expiresAt = null, IReadOnlyList<Guid>? channels = null, string[]? states = null)
    {
        var bodies = new Dictionary<string, object> { ["it"] = new { title, markdown } };
        var created = await n.Author.PostJsonAsync("/api/v1/bulletins", new { topicId = topicId ?? n.TopicId, priority, channelIds = channels ?? [n.ChannelId], bodies, expiresAt });
        var id = Guid.Parse(created.Id());
        await n.Author.PostJsonAsync($"/api/v1/bulletins/{id}/submit", null, HttpStatusCode.OK);
        if (zhTitle is not null)
        {
            await n.Translator.PutJsonAsync($"/api/v1/bulletins/{id}/bodies/zh", new { title = zhTitle, markdown = zhMarkdown ?? string.Empty });
            await n.Translator.PostJsonAsync($"/api/v1/bulletins/{id}/bodies/zh/review", null, HttpStatusCode.OK);
        }

        await ApproveAsync(n, id);
        await WaitForStateAsync(n, id, 30, states ?? ["Sent"]);
        return id;
    }

    public static async Task<string> HtmlAsync(HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Xunit.Assert.True(response.StatusCode == expected, $"GET {url}: expected {(int)expected}, got {(int)response.StatusCode}");
        return html;
    }

    public static JsonNode Json(string text) => JsonNode.Parse(text)!;
}
