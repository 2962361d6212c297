using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Campaigns;
using Piazza.Channels.WeChat;
using Piazza.Common;
using Piazza.Inbound;
using Piazza.Subscribers;

namespace Piazza.Channels.Campaigns;

/// <summary>A flyer campaign with the followers it brought.</summary>
/// <param name="Id">The campaign's id.</param>
/// <param name="ChannelId">The channel whose QR code it is.</param>
/// <param name="Name">What the office calls it (e.g. "Flyer mercato di via Pistoiese").</param>
/// <param name="Scene">The QR code's scene: 1–64 letters, digits, '-' or '_', unique on the channel.</param>
/// <param name="Source">The source of the subscribers it brought ("flyer:" and the scene).</param>
/// <param name="JoinUrl">The link the QR code encodes, in the organization's first language (WeChat: the url of the
/// permanent parameter QR code; Telegram: the bot's deep link with <c>c-&lt;scene&gt;</c>; WhatsApp: the wa.me link whose
/// text is the subscribe keyword and <c>c-&lt;scene&gt;</c>); null when the channel's settings lack what it needs.</param>
/// <param name="JoinUrls">The link in each of the organization's languages (WhatsApp's keyword is in the language).</param>
/// <param name="TopicKey">The key of the topic a Telegram or WhatsApp flyer subscribes to (its link carries it), or null
/// for every topic.</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
/// <param name="CreatedBy">Who created it.</param>
/// <param name="ActiveFollowers">Subscribers it brought who are still subscribed.</param>
/// <param name="TotalFollowers">Subscribers it brought, also those who left since.</param>
public sealed record FlyerCampaignView(
    Guid Id, Guid ChannelId, string Name, string Scene, string Source, string? JoinUrl, IReadOnlyDictionary<string, string> JoinUrls,
    string? TopicKey, DateTime CreatedAt, string? CreatedBy, int ActiveFollowers, int TotalFollowers);

/// <summary>A new flyer campaign.</summary>
/// <param name="Name">Required, at most 200 characters.</param>
/// <param name="Scene">Required: 1–64 letters (a–z, A–Z), digits, '-' or '_', unique on the channel, e.g. "mercato-2026-11"
/// (Telegram and WhatsApp: at most 62, less the topic's key and 3 with a topic, as a Telegram start parameter holds 64).
/// Followers who scan the code get the subscriber source "flyer:" and the scene.</param>
/// <param name="TopicId">Telegram and WhatsApp only, optional: the one topic the flyer subscribes to (else every topic).</param>
public sealed record FlyerCampaignInput(string? Name, string? Scene, Guid? TopicId = null);

/// <summary>
/// Flyer campaigns: one QR code per printed flyer, so that the office knows which flyer brought each follower. On a
/// WeChat channel the code is a permanent parameter QR code (<c>QR_LIMIT_STR_SCENE</c>) created on WeChat first: when
/// WeChat refuses, nothing is stored. On a Telegram bot it is the deep link <c>https://t.me/&lt;bot&gt;?start=c-&lt;scene&gt;</c>
/// (<c>t-&lt;topic&gt;_c-&lt;scene&gt;</c> with a topic), on WhatsApp the wa.me link whose prefilled text is the subscribe
/// keyword and that code; both are built from the channel's settings (<see cref="ChannelJoinService"/>) whenever they are
/// shown. Anyone who can see the channel sees its campaigns; only those who manage channels create them.
/// </summary>
public sealed partial class FlyerCampaignService(ServiceContext ctx, WeChatApi wechat, EngineData engine, ChannelCatalog catalog, ChannelJoinService joins, ILogger<FlyerCampaignService> logger)
{
    public const int MaxName = 200;

    public const int MaxScene = 64;

    /// <summary>The key of <see cref="Exception.Data"/> that holds what the platform answered when it refused.</summary>
    public const string PlatformAnswer = "platformAnswer";

    public async Task<IReadOnlyList<FlyerCampaignView>> ListAsync(Guid channelId, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsRead);
        await ChannelAsync(channelId, ct);
        var channel = await ChannelAsync(channelId, ct);
        var campaigns = await ctx.Db.FlyerCampaigns.AsNoTracking().Where(c => c.ChannelId == channelId)
            .OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Scene).ToListAsync(ct);
        var counts = await CountsAsync(channelId, campaigns.Select(c => c.Source).ToList(), ct);
        var links = await LinksAsync(channel, ct);
        return campaigns.Select(c => View(c, counts, links)).ToList();
    }

    public async Task<FlyerCampaignView> GetAsync(Guid channelId, Guid campaignId, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsRead);
        var channel = await ChannelAsync(channelId, ct);
        var campaign = await ctx.Db.FlyerCampaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaignId && c.ChannelId == channelId, ct)
            ?? throw new NotFoundException("campaign", campaignId.ToString());
        return View(campaign, await CountsAsync(channelId, [campaign.Source], ct), await LinksAsync(channel, ct));
    }

    public async Task<FlyerCampaignView> CreateAsync(Guid channelId, FlyerCampaignInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsWrite);
        var channel = await ChannelAsync(channelId, ct);
        var name = Rules.Clean(input.Name);
        var scene = input.Scene?.Trim() ?? string.Empty;
        var settings = ChannelJoinService.SettingsOf(channel);
        var problem = catalog.Find(channel.Kind) is { } definition ? definition.CampaignProblem(settings) : "QR campaigns are available for WhatsApp, Telegram and WeChat channels.";
        var v = new Validation()
            .When(problem is not null, "channelId", problem!)
            .When(string.IsNullOrEmpty(name), "name", "A name is required.")
            .When(name is { Length: > MaxName }, "name", "The name is longer than 200 characters.");
        string? topicKey = null;
        if (input.TopicId is { } topicId)
        {
            topicKey = await ctx.Db.Topics.Where(t => t.Id == topicId && t.IsActive).Select(t => t.Key).FirstOrDefaultAsync(ct);
            v.When(topicKey is null, "topicId", "There is no such topic.")
             .When(topicKey is not null && channel.Kind == ChannelKind.WeChat, "topicId", "Following a WeChat account subscribes to every topic: leave the topic empty.");
        }

        if (scene.Length == 0)
        {
            v.Add("scene", "A scene is required: the short code that tells which flyer brought a follower.");
        }
        else if (scene.Length > MaxScene)
        {
            v.Add("scene", "The scene is longer than 64 characters.");
        }
        else if (!SceneRegex().IsMatch(scene))
        {
            v.Add("scene", "The scene may contain only letters (a–z, A–Z), digits, '-' and '_'.");
        }
        else if (channel.Kind != ChannelKind.WeChat && StartPayload.Format(topicKey, scene) is null)
        {
            // The code travels as a Telegram start parameter (or after WhatsApp's keyword, read the same way): 64 at most.
            v.Add("scene", "The scene is too long for the link: at most 62 characters, fewer with a topic (the link's code holds 64).");
        }
        else if (await SceneTakenAsync(channelId, scene, ct))
        {
            v.Add("scene", "Another campaign of this channel already has this scene.");
        }

        v.ThrowIfInvalid();

        // WeChat: the code exists on the platform before Piazza stores anything: a refusal leaves no campaign behind.
        (string? Ticket, string? Url) code = (null, null);
        if (channel.Kind == ChannelKind.WeChat)
        {
            var snapshot = await engine.LoadChannelAsync(ctx.Db, channelId, ct) ?? throw new NotFoundException("channel", channelId.ToString());
            try
            {
                code = await wechat.CreateQrCodeAsync(snapshot.Account, scene, ct);
            }
            catch (WeChatException e)
            {
                logger.LogWarning("WeChat refused the QR code of scene {Scene} on channel {Channel}: {Code} {Message}", scene, channelId, e.Code, e.WeChatMessage);
                throw Refused("WeChat refused to create the QR code: nothing was saved.", e);
            }
        }

        var campaign = new FlyerCampaign
        {
            Id = Guid.NewGuid(),
            ChannelId = channelId,
            Name = name!,
            Scene = scene,
            TopicKey = topicKey,
            JoinUrl = code.Url,
            Ticket = code.Ticket,
            CreatedAt = ctx.Now,
            CreatedBy = ctx.Actor.Name,
        };
        ctx.Db.FlyerCampaigns.Add(campaign);
        ctx.Audit.Record("campaign.created", "campaign", campaign.Id.ToString(), $"{channel.Name}: {campaign.Name} (scene {scene}{(topicKey is null ? string.Empty : ", topic " + topicKey)})");
        try
        {
            await ctx.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            ctx.Db.ChangeTracker.Clear();
            if (await SceneTakenAsync(channelId, scene, ct))
            {
                // Someone created the same scene meanwhile.
                throw ValidationFailedException.For("scene", "Another campaign of this channel already has this scene.");
            }

            throw;
        }

        return View(campaign, new Dictionary<string, (int, int)>(), await LinksAsync(channel, ct));
    }

    /// <summary>Makes the WeChat account's campaign <see cref="FlyerCampaign.WebsiteScene"/>, whose QR code the public
    /// subscribe page and the channel's flyer show, unless it has one; returns it, or null for a channel of another platform.
    /// Called by <see cref="WeChatMaintenance"/> for every enabled account (so a public page never calls WeChat), and by
    /// the console's campaigns page on request.</summary>
    public async Task<FlyerCampaignView?> EnsureWebsiteCampaignAsync(Guid channelId, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsWrite);
        var channel = await ChannelAsync(channelId, ct);
        if (channel.Kind != ChannelKind.WeChat)
        {
            return null;
        }

        if (await ctx.Db.FlyerCampaigns.AsNoTracking().FirstOrDefaultAsync(c => c.ChannelId == channelId && c.Scene == FlyerCampaign.WebsiteScene, ct) is { } existing)
        {
            return View(existing, await CountsAsync(channelId, [existing.Source], ct), await LinksAsync(channel, ct));
        }

        try
        {
            return await CreateAsync(channelId, new FlyerCampaignInput(WeChatJoin.WebsiteCampaignName, FlyerCampaign.WebsiteScene), ct);
        }
        catch (ValidationFailedException)
        {
            // Another node made it meanwhile.
            var made = await ctx.Db.FlyerCampaigns.AsNoTracking().FirstOrDefaultAsync(c => c.ChannelId == channelId && c.Scene == FlyerCampaign.WebsiteScene, ct);
            if (made is null)
            {
                throw;
            }

            return View(made, await CountsAsync(channelId, [made.Source], ct), await LinksAsync(channel, ct));
        }
    }

    /// <summary>The platform refused: a 409 whose message says so; the platform's own answer is in
    /// <see cref="Exception.Data"/>[<see cref="PlatformAnswer"/>] and at the end of the message.</summary>
    public static ConflictException Refused(string message, WeChatException e)
    {
        var answer = $"{e.Code} {e.WeChatMessage}".Trim();
        var conflict = new ConflictException($"{message} WeChat answered: {answer}");
        conflict.Data[PlatformAnswer] = answer;
        return conflict;
    }

    private Task<bool> SceneTakenAsync(Guid channelId, string scene, CancellationToken ct) =>
        ctx.Db.FlyerCampaigns.AnyAsync(c => c.ChannelId == channelId && c.Scene == scene, ct);

    private async Task<Channel> ChannelAsync(Guid channelId, CancellationToken ct) =>
        await ctx.Db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, ct) ?? throw new NotFoundException("channel", channelId.ToString());

    /// <summary>Followers each source brought on the channel: (active, total).</summary>
    private async Task<Dictionary<string, (int Active, int Total)>> CountsAsync(Guid channelId, List<string> sources, CancellationToken ct)
    {
        if (sources.Count == 0)
        {
            return [];
        }

        var rows = await ctx.Db.Subscribers.AsNoTracking()
            .Where(s => s.ChannelId == channelId && s.Source != null && sources.Contains(s.Source))
            .GroupBy(s => s.Source!)
            .Select(g => new { Source = g.Key, Active = g.Sum(s => s.Status == SubscriberStatus.Active ? 1 : 0), Total = g.Count() })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.Source, r => (r.Active, r.Total), StringComparer.Ordinal);
    }

    /// <summary>What building the campaigns' links of a channel takes: its settings and the organization's languages.</summary>
    private async Task<Links> LinksAsync(Channel channel, CancellationToken ct)
    {
        var languages = await ctx.Db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
        return new Links(channel.Kind, ChannelJoinService.SettingsOf(channel), languages);
    }

    private FlyerCampaignView View(FlyerCampaign c, Dictionary<string, (int Active, int Total)> counts, Links links)
    {
        var (active, total) = counts.GetValueOrDefault(c.Source);
        var urls = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var language in links.Languages)
        {
            if (joins.Join(links.Kind, links.Settings, language, links.Languages, c)?.Link is { } link)
            {
                urls[language] = link;
            }
        }

        var first = links.Languages.Count > 0 ? urls.GetValueOrDefault(links.Languages[0]) : null;
        return new FlyerCampaignView(c.Id, c.ChannelId, c.Name, c.Scene, c.Source, first ?? c.JoinUrl, urls, c.TopicKey, c.CreatedAt, c.CreatedBy, active, total);
    }

    private sealed record Links(ChannelKind Kind, IReadOnlyDictionary<string, string> Settings, List<string> Languages);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SceneRegex();
}
