using Piazza.PublicSite;
using Piazza.Server.PublicSite.Pages;

namespace Piazza.Server.PublicSite;

/// <summary>
/// One request to an organization's public site: the organization found by its address, the language checked (a known
/// language written another way is redirected to its usual form; an unknown one is "not found"), the page's context,
/// and the scope whose database sees that organization only. Dispose it once the page's data is read.
/// </summary>
public sealed class PublicRequest : IAsyncDisposable
{
    private AsyncServiceScope? _scope;
    private PublicSiteService? _site;
    private PublicContext? _context;

    private PublicRequest()
    {
    }

    /// <summary>Set when the request is answered already (not found, redirect): return it.</summary>
    public IResult? Result { get; private set; }

    public PublicSiteService Site => _site ?? throw new InvalidOperationException("The request has no site.");

    public PublicContext Context => _context ?? throw new InvalidOperationException("The request has no site.");

    /// <summary>Opens <paramref name="org"/>'s site in <paramref name="language"/> (null: its first language) for the page at
    /// <paramref name="path"/> (after the language).</summary>
    public static async Task<PublicRequest> OpenAsync(HttpContext http, string org, string? language, string path, CancellationToken ct)
    {
        var request = new PublicRequest();
        var scopes = http.RequestServices.GetRequiredService<IServiceScopeFactory>();
        var opened = await PublicSiteService.OpenAsync(scopes, org, ct);
        if (opened is not { } o)
        {
            var organizations = await PublicSiteService.OrganizationsAsync(scopes, ct);
            request.Result = PublicSiteSetup.Page<DirectoryPage>(
                new { T = PublicText.For(Negotiate(http, PublicText.Languages)), Organizations = organizations, NotFound = true }, StatusCodes.Status404NotFound);
            return request;
        }

        request._scope = o.Scope;
        request._site = o.Site;
        var organization = o.Site.Organization;
        var known = language is null ? organization.Languages[0] : organization.Languages.FirstOrDefault(l => string.Equals(l, language, StringComparison.OrdinalIgnoreCase));
        var topics = await o.Site.TopicsAsync(ct);
        var baseUrl = await o.Site.PublicBaseUrlAsync(ct) ?? $"{http.Request.Scheme}://{http.Request.Host}";
        request._context = new PublicContext(organization, known ?? organization.Languages[0], path, topics, baseUrl, o.Site.Now, o.Site.Options.EmergencyPinnedFor);
        if (known is null)
        {
            request.Result = request.NotFound();
        }
        else if (language is not null && known != language)
        {
            request.Result = Results.Redirect(request.Context.UrlIn(known) + http.Request.QueryString, permanent: true);
        }

        return request;
    }

    /// <summary>The visitor's preferred language among <paramref name="offered"/> (Accept-Language: the same tag, else the
    /// same primary language), else the first offered.</summary>
    public static string Negotiate(HttpContext http, IReadOnlyList<string> offered)
    {
        var asked = http.Request.GetTypedHeaders().AcceptLanguage
            .Where(l => l.Quality is null or > 0)
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.Value ?? string.Empty);
        foreach (var tag in asked)
        {
            var exact = offered.FirstOrDefault(o => string.Equals(o, tag, StringComparison.OrdinalIgnoreCase));
            var primary = exact ?? offered.FirstOrDefault(o => string.Equals(o.Split('-')[0], tag.Split('-')[0], StringComparison.OrdinalIgnoreCase));
            if (primary is not null)
            {
                return primary;
            }
        }

        return offered[0];
    }

    /// <summary>A page of this site, rendered with its context.</summary>
    public IResult Page<TComponent>(object parameters, int status = StatusCodes.Status200OK)
        where TComponent : Microsoft.AspNetCore.Components.IComponent => PublicSiteSetup.Page<TComponent>(parameters, status);

    /// <summary>"Page not found" inside the site (404).</summary>
    public IResult NotFound() => PublicSiteSetup.Page<NotFoundPage>(new { Context }, StatusCodes.Status404NotFound);

    public async ValueTask DisposeAsync()
    {
        if (_scope is { } scope)
        {
            await scope.DisposeAsync();
        }
    }
}
