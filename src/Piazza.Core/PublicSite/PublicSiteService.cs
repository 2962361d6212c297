using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Data;
using Piazza.Posts;
using Piazza.Tenancy;

namespace Piazza.PublicSite;

/// <summary>The public site's settings (section <c>PublicSite</c>).</summary>
public sealed class PublicSiteOptions
{
    public const string Section = "PublicSite";

    /// <summary>How long an emergency without an end of validity stays pinned at the top of the home after it was published.</summary>
    public TimeSpan EmergencyPinnedFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Bulletins per page of an archive.</summary>
    public int PageSize { get; set; } = 20;

    /// <summary>Bulletins on the home.</summary>
    public int HomeSize { get; set; } = 10;

    /// <summary>Entries of a feed (the newest).</summary>
    public int FeedSize { get; set; } = 50;

    /// <summary>How long the server keeps a page it rendered to answer the next visitors with (zero: never). When an
    /// emergency brings the whole city to the site, most visitors then cost nothing; a new bulletin shows at most this
    /// late.</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>An organization as its public site shows it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name ("Comune di Prato").</param>
/// <param name="Slug">The first segment of its public addresses.</param>
/// <param name="TimeZone">IANA time zone: dates are shown in it.</param>
/// <param name="Languages">The languages it publishes in, first the main one.</param>
public sealed record PublicOrganization(Guid Id, string Name, string Slug, string TimeZone, IReadOnlyList<string> Languages);

/// <summary>A topic of the public site.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Key">Its key: the segment of its archive's address.</param>
/// <param name="IsActive">Still offered; an inactive topic keeps its archive.</param>
/// <param name="Names">Its name per language.</param>
public sealed record PublicTopic(Guid Id, string Key, bool IsActive, IReadOnlyDictionary<string, string> Names)
{
    /// <summary>Its name in <paramref name="language"/>, else in the first of <paramref name="order"/> that has one, else its key.</summary>
    public string NameIn(string language, IEnumerable<string> order) =>
        order.Prepend(language).Select(l => Names.GetValueOrDefault(l)).FirstOrDefault(n => n is not null) ?? Key;
}

/// <summary>A bulletin's text in one language.</summary>
/// <param name="Language">BCP 47 tag.</param>
/// <param name="Title">Its title.</param>
/// <param name="Markdown">Its body.</param>
public sealed record PublicBody(string Language, string Title, string Markdown);

/// <summary>A bulletin published on the organization's website channel.</summary>
/// <param name="Id">Its id (its permanent address).</param>
/// <param name="TopicId">Its topic.</param>
/// <param name="Priority">Normal, Urgent or Emergency.</param>
/// <param name="PublishedAt">When the website published it (UTC).</param>
/// <param name="ExpiresAt">Until when it is current (UTC), if it says.</param>
/// <param name="Bodies">Its texts, in the organization's order of languages.</param>
public sealed record PublicBulletin(Guid Id, Guid TopicId, PostPriority Priority, DateTime PublishedAt, DateTime? ExpiresAt, IReadOnlyList<PublicBody> Bodies)
{
    /// <summary>The text in <paramref name="language"/>, else in the first language of the organization's order it has.</summary>
    public PublicBody BodyIn(string language, IReadOnlyList<string> order) =>
        Bodies.FirstOrDefault(b => b.Language == language) ?? order.Select(l => Bodies.FirstOrDefault(b => b.Language == l)).FirstOrDefault(b => b is not null) ?? Bodies[0];

    /// <summary>When it stops being current: its end of validity, else (an emergency) <paramref name="pinnedFor"/> after it was published.</summary>
    public DateTime? EndsAt(TimeSpan pinnedFor) => ExpiresAt ?? (Priority == PostPriority.Emergency ? PublishedAt + pinnedFor : null);

    /// <summary>Whether it is an emergency still current at <paramref name="now"/> (pinned at the top of the home).</summary>
    public bool IsPinned(DateTime now, TimeSpan pinnedFor) => Priority == PostPriority.Emergency && EndsAt(pinnedFor) > now;
}

/// <summary>A page of bulletins, newest first.</summary>
/// <param name="Items">The bulletins of the page.</param>
/// <param name="Page">Its number, from 1.</param>
/// <param name="PageCount">How many pages there are (at least 1).</param>
/// <param name="Total">How many bulletins there are.</param>
public sealed record PublicPage(IReadOnlyList<PublicBulletin> Items, int Page, int PageCount, int Total);

/// <summary>
/// What the public site shows of one organization: read only, no sign-in. A bulletin is public once its delivery to one
/// of the organization's website channels was sent (the web adapter's "publishing"), and stays so unless it is
/// withdrawn (cancelled). Every query runs in a scope of its own whose tenant is that organization (<see cref="OpenAsync"/>),
/// whatever the visitor's own sign-in, so one organization's site never shows another's data.
/// </summary>
public sealed class PublicSiteService(PiazzaDb db, TenantContext tenant, TimeProvider time, IOptions<PublicSiteOptions> options)
{
    private static readonly DeliveryState[] PublishedStates = [DeliveryState.Sent, DeliveryState.Delivered, DeliveryState.Read];

    private PublicOrganization? _organization;

    public PublicSiteOptions Options => options.Value;

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public PublicOrganization Organization => _organization ?? throw new InvalidOperationException("No organization is open.");

    /// <summary>A new scope for the organization whose slug is <paramref name="slug"/>, or null when there is none. Dispose the
    /// scope after use.</summary>
    public static async Task<(AsyncServiceScope Scope, PublicSiteService Site)?> OpenAsync(IServiceScopeFactory scopes, string slug, CancellationToken ct)
    {
        var scope = scopes.CreateAsyncScope();
        var site = scope.ServiceProvider.GetRequiredService<PublicSiteService>();
        if (!await site.LoadAsync(slug, ct))
        {
            await scope.DisposeAsync();
            return null;
        }

        return (scope, site);
    }

    /// <summary>Every organization that has a public site (all of them), by name.</summary>
    public static async Task<IReadOnlyList<(string Name, string Slug)>> OrganizationsAsync(IServiceScopeFactory scopes, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var rows = await db.Organizations.IgnoreQueryFilters().AsNoTracking().OrderBy(o => o.Name).Select(o => new { o.Name, o.Slug }).ToListAsync(ct);
        return rows.Select(r => (r.Name, r.Slug)).ToList();
    }

    private async Task<bool> LoadAsync(string slug, CancellationToken ct)
    {
        var org = await db.Organizations.IgnoreQueryFilters().AsNoTracking().Include(o => o.Languages).FirstOrDefaultAsync(o => o.Slug == slug, ct);
        if (org is null)
        {
            return false;
        }

        tenant.Set(org.Id);
        var languages = org.Languages.OrderBy(l => l.Position).Select(l => l.Tag).ToList();
        _organization = new PublicOrganization(org.Id, org.Name, org.Slug, org.TimeZone, languages.Count > 0 ? languages : ["it"]);
        return true;
    }

    /// <summary>The site's public address as the office set it on a website channel (setting <c>publicBaseUrl</c>, without a
    /// final "/"), or null: the address the visitor used is then the site's.</summary>
    public async Task<string?> PublicBaseUrlAsync(CancellationToken ct)
    {
        var settings = await db.Channels.AsNoTracking().Where(c => c.Kind == ChannelKind.Web && c.IsEnabled).OrderBy(c => c.CreatedAt).Select(c => c.SettingsJson).ToListAsync(ct);
        foreach (var json in settings)
        {
            if (System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(json)?.GetValueOrDefault("publicBaseUrl") is { Length: > 0 } url
                && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            {
                return url.TrimEnd('/');
            }
        }

        return null;
    }

    /// <summary>The organization's topics (active first, then in the order they were created).</summary>
    public async Task<IReadOnlyList<PublicTopic>> TopicsAsync(CancellationToken ct)
    {
        var topics = await db.Topics.AsNoTracking().Include(t => t.Names).OrderByDescending(t => t.IsActive).ThenBy(t => t.CreatedAt).ThenBy(t => t.Key).ToListAsync(ct);
        return topics.Select(t => new PublicTopic(t.Id, t.Key, t.IsActive, t.Names.ToDictionary(n => n.Language, n => n.Name, StringComparer.Ordinal))).ToList();
    }

    /// <summary>The published bulletins (of one topic, when given), newest first, one page.</summary>
    public async Task<PublicPage> PageAsync(Guid? topicId, int page, int pageSize, CancellationToken ct)
    {
        var published = Published(topicId);
        var total = await published.CountAsync(ct);
        var pageCount = Math.Max(1, (total + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pageCount);
        var rows = await published.OrderByDescending(p => p.At).ThenBy(p => p.PostId).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new PublicPage(await BulletinsAsync(rows, ct), page, pageCount, total);
    }

    /// <summary>The emergencies still current now (pinned at the top of the home), newest first.</summary>
    public async Task<IReadOnlyList<PublicBulletin>> PinnedAsync(CancellationToken ct)
    {
        var now = Now;
        var since = now - Options.EmergencyPinnedFor;
        var rows = await Published(null)
            .Where(p => p.Priority == PostPriority.Emergency && (p.ExpiresAt > now || (p.ExpiresAt == null && p.At > since)))
            .OrderByDescending(p => p.At).Take(20).ToListAsync(ct);
        return await BulletinsAsync(rows, ct);
    }

    /// <summary>One published bulletin, or null (not published, withdrawn, another organization's, or none).</summary>
    public async Task<PublicBulletin?> BulletinAsync(Guid id, CancellationToken ct)
    {
        var rows = await Published(null).Where(p => p.PostId == id).ToListAsync(ct);
        var bulletins = await BulletinsAsync(rows, ct);
        return bulletins.Count > 0 ? bulletins[0] : null;
    }

    /// <summary>The published bulletins of the organization (of one topic): the post and when its first website delivery was sent.</summary>
    private IQueryable<PublishedRow> Published(Guid? topicId)
    {
        var web = db.Channels.Where(c => c.Kind == ChannelKind.Web).Select(c => c.Id);
        var sent = db.Deliveries
            .Where(d => d.SubscriberId == 0 && web.Contains(d.ChannelId) && PublishedStates.Contains(d.State) && d.SentAt != null)
            .GroupBy(d => d.PostId)
            .Select(g => new { PostId = g.Key, At = g.Min(d => d.SentAt)!.Value });
        return from s in sent
               join p in db.Posts on s.PostId equals p.Id
               where p.State != PostState.Cancelled && (topicId == null || p.TopicId == topicId)
               select new PublishedRow { PostId = p.Id, TopicId = p.TopicId, Priority = p.Priority, ExpiresAt = p.ExpiresAt, At = s.At };
    }

    private async Task<IReadOnlyList<PublicBulletin>> BulletinsAsync(List<PublishedRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var ids = rows.Select(r => r.PostId).ToList();
        var bodies = (await db.PostBodies.AsNoTracking().Where(b => ids.Contains(b.PostId)).ToListAsync(ct)).ToLookup(b => b.PostId);
        var order = Organization.Languages;
        return rows.Where(r => bodies[r.PostId].Any()).Select(r => new PublicBulletin(
            r.PostId, r.TopicId, r.Priority, DateTime.SpecifyKind(r.At, DateTimeKind.Utc), r.ExpiresAt is { } e ? DateTime.SpecifyKind(e, DateTimeKind.Utc) : null,
            bodies[r.PostId].OrderBy(b => order.Contains(b.Language) ? IndexOf(order, b.Language) : int.MaxValue).ThenBy(b => b.Language, StringComparer.Ordinal)
                .Select(b => new PublicBody(b.Language, b.Title, b.Markdown)).ToList())).ToList();
    }

    private static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == item)
            {
                return i;
            }
        }

        return -1;
    }

    private sealed class PublishedRow
    {
        public Guid PostId { get; init; }

        public Guid TopicId { get; init; }

        public PostPriority Priority { get; init; }

        public DateTime? ExpiresAt { get; init; }

        public DateTime At { get; init; }
    }
}
