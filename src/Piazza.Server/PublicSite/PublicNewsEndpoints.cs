using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;
using Piazza.PublicSite;
using Piazza.Server.PublicSite.Pages;

namespace Piazza.Server.PublicSite;

/// <summary>The news of the public site: the home (emergencies pinned, the latest bulletins), the archive of every
/// bulletin and of each topic, each bulletin's permanent page, and the Atom feed of every archive.</summary>
public static class PublicNewsEndpoints
{
    private const string Org = PublicSiteSetup.OrgSegment;
    private const string Lang = PublicSiteSetup.LangSegment;

    public static IEndpointRouteBuilder MapPublicNews(this IEndpointRouteBuilder app)
    {
        var site = app.MapGroup(string.Empty).ExcludeFromDescription().CacheOutput(PublicSiteSetup.CachePolicy);
        site.MapGetHead("/", RootAsync);
        site.MapGetHead($"/{Org}", OrganizationAsync);
        site.MapGetHead($"/{Org}/{Lang}", HomeAsync);
        site.MapGetHead($"/{Org}/{Lang}/archive", (string org, string lang, int? page, HttpContext http, CancellationToken ct) => ArchiveAsync(org, lang, null, page, http, ct));
        site.MapGetHead($"/{Org}/{Lang}/topics/{{topic}}", (string org, string lang, string topic, int? page, HttpContext http, CancellationToken ct) => ArchiveAsync(org, lang, topic, page, http, ct));
        site.MapGetHead($"/{Org}/{Lang}/bulletins/{{id:guid}}", BulletinAsync);
        site.MapGetHead($"/{Org}/{Lang}/feed.atom", (string org, string lang, HttpContext http, CancellationToken ct) => FeedAsync(org, lang, null, http, ct));
        site.MapGetHead($"/{Org}/{Lang}/topics/{{topic}}/feed.atom", (string org, string lang, string topic, HttpContext http, CancellationToken ct) => FeedAsync(org, lang, topic, http, ct));
        return app;
    }

    /// <summary>The server's root: the only municipality's site, else the list of them (no municipality yet: the console).</summary>
    private static async Task<IResult> RootAsync(HttpContext http, CancellationToken ct)
    {
        var organizations = await PublicSiteService.OrganizationsAsync(http.RequestServices.GetRequiredService<IServiceScopeFactory>(), ct);
        return organizations.Count switch
        {
            0 => Results.Redirect("/console"),
            1 => Results.Redirect("/" + organizations[0].Slug),
            _ => PublicSiteSetup.Page<DirectoryPage>(new { T = PublicText.For(PublicRequest.Negotiate(http, PublicText.Languages)), Organizations = organizations }),
        };
    }

    /// <summary>A municipality's address without a language: its site in the visitor's language when it publishes in it.</summary>
    private static async Task<IResult> OrganizationAsync(string org, HttpContext http, CancellationToken ct)
    {
        await using var request = await PublicRequest.OpenAsync(http, org, null, string.Empty, ct);
        if (request.Result is { } result)
        {
            return result;
        }

        http.Response.Headers.Vary = HeaderNames.AcceptLanguage;
        return Results.Redirect(request.Context.UrlIn(PublicRequest.Negotiate(http, request.Context.Organization.Languages)));
    }

    private static async Task<IResult> HomeAsync(string org, string lang, HttpContext http, CancellationToken ct)
    {
        await using var request = await PublicRequest.OpenAsync(http, org, lang, string.Empty, ct);
        if (request.Result is { } result)
        {
            return result;
        }

        var pinned = await request.Site.PinnedAsync(ct);
        var latest = await request.Site.PageAsync(null, 1, request.Site.Options.HomeSize, ct);
        return request.Page<HomePage>(new { request.Context, Pinned = pinned, Latest = latest.Items.Where(b => pinned.All(p => p.Id != b.Id)).ToList() });
    }

    private static async Task<IResult> ArchiveAsync(string org, string lang, string? topicKey, int? page, HttpContext http, CancellationToken ct)
    {
        await using var request = await PublicRequest.OpenAsync(http, org, lang, topicKey is null ? "/archive" : "/topics/" + topicKey, ct);
        if (request.Result is { } result)
        {
            return result;
        }

        PublicTopic? topic = null;
        if (topicKey is not null && (topic = request.Context.Topics.FirstOrDefault(t => t.Key == topicKey)) is null)
        {
            return request.NotFound();
        }

        var items = await request.Site.PageAsync(topic?.Id, page ?? 1, request.Site.Options.PageSize, ct);
        return request.Page<ArchivePage>(new { request.Context, Page = items, Topic = topic });
    }

    private static async Task<IResult> BulletinAsync(string org, string lang, Guid id, HttpContext http, CancellationToken ct)
    {
        await using var request = await PublicRequest.OpenAsync(http, org, lang, $"/bulletins/{id:D}", ct);
        if (request.Result is { } result)
        {
            return result;
        }

        var bulletin = await request.Site.BulletinAsync(id, ct);
        return bulletin is null ? request.NotFound() : request.Page<BulletinPage>(new { request.Context, Bulletin = bulletin });
    }

    /// <summary>An archive's Atom feed: its newest bulletins. Answers 304 to a reader that has this version already.</summary>
    private static async Task<IResult> FeedAsync(string org, string lang, string? topicKey, HttpContext http, CancellationToken ct)
    {
        var path = topicKey is null ? "/feed.atom" : $"/topics/{topicKey}/feed.atom";
        await using var request = await PublicRequest.OpenAsync(http, org, lang, path, ct);
        if (request.Result is { } result)
        {
            return result;
        }

        PublicTopic? topic = null;
        if (topicKey is not null && (topic = request.Context.Topics.FirstOrDefault(t => t.Key == topicKey)) is null)
        {
            return request.NotFound();
        }

        var context = request.Context;
        var items = await request.Site.PageAsync(topic?.Id, 1, request.Site.Options.FeedSize, ct);
        var title = topic is null ? context.T["All news"] : context.T["News on {0}", context.TopicName(topic)];
        var feed = AtomFeed.Write(context, title, context.Url(path), topic is null ? context.Url("/archive") : context.TopicUrl(topic), items.Items);
        // Weak: the same feed compressed or not (the server compresses it when asked) is the same version.
        var etag = new EntityTagHeaderValue("\"" + Convert.ToHexString(SHA256.HashData(feed).AsSpan(0, 16)) + "\"", isWeak: true);
        http.Response.Headers.ETag = etag.ToString();
        http.Response.Headers.CacheControl = "public, max-age=60";
        var asked = http.Request.GetTypedHeaders().IfNoneMatch;
        if (asked.Any(e => e.Compare(etag, useStrongComparison: false) || e.Equals(EntityTagHeaderValue.Any)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(feed, AtomFeed.ContentType);
    }
}
