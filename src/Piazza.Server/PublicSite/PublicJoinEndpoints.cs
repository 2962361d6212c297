using Piazza.Channels;
using Piazza.Data;
using Piazza.Policies;
using Piazza.Server.PublicSite.Pages;

namespace Piazza.Server.PublicSite;

/// <summary>
/// How citizens join the organization's channels: the subscribe page (every enabled channel one can join or follow, what
/// to save, send or search, and the QR code of its join link as PNG and SVG), the channels' published policies (the
/// current version and each earlier one), and a printable A4 flyer per channel and per flyer campaign, in one language or
/// two. Everything comes from Piazza's database (<see cref="ChannelJoinService"/>): no page calls a platform.
/// </summary>
public static class PublicJoinEndpoints
{
    private const string Org = PublicSiteSetup.OrgSegment;
    private const string Lang = PublicSiteSetup.LangSegment;

    /// <summary>The output-cache policy of these pages and images: the public site's (<c>PublicSite:CacheFor</c>), kept
    /// apart per flyer campaign and second language.</summary>
    public const string CachePolicy = "public-site-join";

    public static IServiceCollection AddPublicJoin(this IServiceCollection services) => services.AddPublicCachePolicy(CachePolicy, "campaign", "also");

    public static IEndpointRouteBuilder MapPublicJoin(this IEndpointRouteBuilder app)
    {
        var site = app.MapGroup(string.Empty).ExcludeFromDescription().CacheOutput(CachePolicy);
        site.MapGetHead($"/{Org}/{Lang}/subscribe", SubscribeAsync);
        site.MapGetHead($"/{Org}/{Lang}/channels/{{id:guid}}/qr.png", (string org, string lang, Guid id, string? campaign, HttpContext http, CancellationToken ct) => QrAsync(org, lang, id, campaign, "png", http, ct));
        site.MapGetHead($"/{Org}/{Lang}/channels/{{id:guid}}/qr.svg", (string org, string lang, Guid id, string? campaign, HttpContext http, CancellationToken ct) => QrAsync(org, lang, id, campaign, "svg", http, ct));
        site.MapGetHead($"/{Org}/{Lang}/channels/{{id:guid}}/policy", (string org, string lang, Guid id, HttpContext http, CancellationToken ct) => PolicyAsync(org, lang, id, null, http, ct));
        site.MapGetHead($"/{Org}/{Lang}/channels/{{id:guid}}/policy/{{version:int}}", (string org, string lang, Guid id, int version, HttpContext http, CancellationToken ct) => PolicyAsync(org, lang, id, version, http, ct));
        site.MapGetHead($"/{Org}/{Lang}/channels/{{id:guid}}/flyer", FlyerAsync);
        return app;
    }

    /// <summary>The path of a channel's QR code image (<paramref name="extension"/> png or svg) in the page's language.</summary>
    public static string QrPath(PublicContext context, Guid channelId, string extension, string? campaign = null, string? language = null) =>
        $"/{context.Organization.Slug}/{language ?? context.Language}/channels/{channelId:D}/qr.{extension}" + (campaign is null ? string.Empty : "?campaign=" + Uri.EscapeDataString(campaign));

    /// <summary>The path of a channel's flyer: its own, or its campaign's; in two languages with <paramref name="also"/>.</summary>
    public static string FlyerPath(PublicContext context, Guid channelId, string? campaign = null, string? also = null)
    {
        var query = new List<string>();
        if (campaign is not null)
        {
            query.Add("campaign=" + Uri.EscapeDataString(campaign));
        }

        if (also is not null)
        {
            query.Add("also=" + Uri.EscapeDataString(also));
        }

        return context.Url($"/channels/{channelId:D}/flyer") + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query));
    }

    private static async Task<IResult> SubscribeAsync(string org, string lang, HttpContext http, ChannelJoinService joins, PiazzaDb db, CancellationToken ct)
    {
        await using var request = await PublicRequest.OpenAsync(http, org, lang, "/subscribe", ct);
        if (request.Result is { } result)
        {
            return result;
        }

        var context = request.Context;
        var channels = await joins.ListAsync(db, context.Organization.Id, context.Language, ct);
        var policies = await ChannelPolicyService.PublishedChannelsAsync(db, context.Organization.Id, ct);
        return request.Page<SubscribePage>(new { Context = context, Channels = channels, Policies = policies });
    }

    /// <summary>The QR code of a channel's join link (of its campaign <paramref name="campaign"/>) in the language: the
    /// wa.me link with the keyword written, the t.me link, the WeChat account's scene QR code, the profile's address.</summary>
    private static async Task<IResult> QrAsync(string org, string lang, Guid id, string? campaign, string extension, HttpContext http, CancellationToken ct)
    {
        await using var request = await PublicRequest.OpenAsync(http, org, lang, $"/channels/{id:D}/qr.{extension}", ct);
        if (request.Result is not null)
        {
            return Results.NotFound();
        }

        var joins = http.RequestServices.GetRequiredService<ChannelJoinService>();
        var db = http.RequestServices.GetRequiredService<PiazzaDb>();
        var join = await joins.GetAsync(db, request.Context.Organization.Id, id, request.Context.Language, campaign, ct);
        if (join?.Join.Link is not { } link)
        {
            return Results.NotFound();
        }

        http.Response.Headers.CacheControl = "public, max-age=300";
        return extension == "png"
            ? Results.File(FlyerQrCode.Png(link), "image/png")
            : Results.Text(FlyerQrCode.Svg(link, link), "image/svg+xml", System.Text.Encoding.UTF8);
    }

    private static async Task<IResult> PolicyAsync(string org, string lang, Guid id, int? version, HttpContext http, CancellationToken ct)
    {
        var path = $"/channels/{id:D}/policy" + (version is null ? string.Empty : "/" + version.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var request = await PublicRequest.OpenAsync(http, org, lang, path, ct);
        if (request.Result is { } result)
        {
            return result;
        }

        var db = http.RequestServices.GetRequiredService<PiazzaDb>();
        var policy = await ChannelPolicyService.PublicAsync(db, request.Context.Organization.Id, id, version, ct);
        return policy is null ? request.NotFound() : request.Page<PolicyPage>(new { request.Context, Policy = policy });
    }

    /// <summary>A printable A4 flyer: the channel's own (its QR code is the one of the subscribe page), or a campaign's
    /// (<paramref name="campaign"/>, the scene); in the page's language, or in two (<paramref name="also"/>: Prato's flyers
    /// are in Chinese and Italian).</summary>
    private static async Task<IResult> FlyerAsync(string org, string lang, Guid id, string? campaign, string? also, HttpContext http, ChannelJoinService joins, PiazzaDb db, CancellationToken ct)
    {
        await using var request = await PublicRequest.OpenAsync(http, org, lang, $"/channels/{id:D}/flyer", ct);
        if (request.Result is { } result)
        {
            return result;
        }

        var context = request.Context;
        var second = also is null ? null : context.Organization.Languages.FirstOrDefault(l => string.Equals(l, also, StringComparison.OrdinalIgnoreCase));
        if (also is not null && (second is null || second == context.Language))
        {
            return request.NotFound();
        }

        var join = await joins.GetAsync(db, context.Organization.Id, id, context.Language, campaign, ct);
        if (join is null)
        {
            return request.NotFound();
        }

        var secondJoin = second is null ? null : await joins.GetAsync(db, context.Organization.Id, id, second, campaign, ct);
        var policies = await ChannelPolicyService.PublishedChannelsAsync(db, context.Organization.Id, ct);
        return request.Page<FlyerPage>(new { Context = context, Join = join, Second = secondJoin, HasPolicy = policies.ContainsKey(id) });
    }
}
