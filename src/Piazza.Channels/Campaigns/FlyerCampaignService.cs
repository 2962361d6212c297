using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Campaigns;
using Piazza.Channels.WeChat;
using Piazza.Common;
using Piazza.Subscribers;

namespace Piazza.Channels.Campaigns;

/// <summary>A flyer campaign with the followers it brought.</summary>
/// <param name="Id">The campaign's id.</param>
/// <param name="ChannelId">The channel whose QR code it is.</param>
/// <param name="Name">What the office calls it (e.g. "Flyer mercato di via Pistoiese").</param>
/// <param name="Scene">The QR code's scene: 1–64 letters, digits, '-' or '_', unique on the channel.</param>
/// <param name="Source">The source of the subscribers it brought ("flyer:" and the scene).</param>
/// <param name="JoinUrl">The link the QR code encodes (WeChat: the url of the permanent parameter QR code).</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
/// <param name="CreatedBy">Who created it.</param>
/// <param name="ActiveFollowers">Subscribers it brought who are still subscribed.</param>
/// <param name="TotalFollowers">Subscribers it brought, also those who left since.</param>
public sealed record FlyerCampaignView(
    Guid Id, Guid ChannelId, string Name, string Scene, string Source, string? JoinUrl, DateTime CreatedAt, string? CreatedBy, int ActiveFollowers, int TotalFollowers);

/// <summary>A new flyer campaign.</summary>
/// <param name="Name">Required, at most 200 characters.</param>
/// <param name="Scene">Required: 1–64 letters (a–z, A–Z), digits, '-' or '_', unique on the channel, e.g. "mercato-2026-11".
/// Followers who scan the code get the subscriber source "flyer:" and the scene.</param>
public sealed record FlyerCampaignInput(string? Name, string? Scene);

/// <summary>
/// Flyer campaigns: one QR code per printed flyer, so that the office knows which flyer brought each follower. On a
/// WeChat channel the code is a permanent parameter QR code (<c>QR_LIMIT_STR_SCENE</c>) created on WeChat first: when
/// WeChat refuses, nothing is stored. Anyone who can see the channel sees its campaigns; only those who manage channels
/// create them.
/// </summary>
public sealed partial class FlyerCampaignService(ServiceContext ctx, WeChatApi wechat, EngineData engine, ILogger<FlyerCampaignService> logger)
{
    public const int MaxName = 200;

    public const int MaxScene = 64;

    /// <summary>The key of <see cref="Exception.Data"/> that holds what the platform answered when it refused.</summary>
    public const string PlatformAnswer = "platformAnswer";

    public async Task<IReadOnlyList<FlyerCampaignView>> ListAsync(Guid channelId, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsRead);
        await ChannelAsync(channelId, ct);
        var campaigns = await ctx.Db.FlyerCampaigns.AsNoTracking().Where(c => c.ChannelId == channelId)
            .OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Scene).ToListAsync(ct);
        var counts = await CountsAsync(channelId, campaigns.Select(c => c.Source).ToList(), ct);
        return campaigns.Select(c => View(c, counts)).ToList();
    }

    public async Task<FlyerCampaignView> GetAsync(Guid channelId, Guid campaignId, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsRead);
        var campaign = await ctx.Db.FlyerCampaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaignId && c.ChannelId == channelId, ct)
            ?? throw new NotFoundException("campaign", campaignId.ToString());
        return View(campaign, await CountsAsync(channelId, [campaign.Source], ct));
    }

    public async Task<FlyerCampaignView> CreateAsync(Guid channelId, FlyerCampaignInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.ChannelsWrite);
        var channel = await ChannelAsync(channelId, ct);
        var name = Rules.Clean(input.Name);
        var scene = input.Scene?.Trim() ?? string.Empty;
        var v = new Validation()
            .When(channel.Kind != ChannelKind.WeChat, "channelId", "QR campaigns are available for WeChat channels.")
            .When(string.IsNullOrEmpty(name), "name", "A name is required.")
            .When(name is { Length: > MaxName }, "name", "The name is longer than 200 characters.");
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
        else if (await SceneTakenAsync(channelId, scene, ct))
        {
            v.Add("scene", "Another campaign of this channel already has this scene.");
        }

        v.ThrowIfInvalid();

        // The code exists on the platform before Piazza stores anything: a refusal leaves no campaign behind.
        var snapshot = await engine.LoadChannelAsync(ctx.Db, channelId, ct) ?? throw new NotFoundException("channel", channelId.ToString());
        (string Ticket, string Url) code;
        try
        {
            code = await wechat.CreateQrCodeAsync(snapshot.Account, scene, ct);
        }
        catch (WeChatException e)
        {
            logger.LogWarning("WeChat refused the QR code of scene {Scene} on channel {Channel}: {Code} {Message}", scene, channelId, e.Code, e.WeChatMessage);
            throw Refused("WeChat refused to create the QR code: nothing was saved.", e);
        }

        var campaign = new FlyerCampaign
        {
            Id = Guid.NewGuid(),
            ChannelId = channelId,
            Name = name!,
            Scene = scene,
            JoinUrl = code.Url,
            Ticket = code.Ticket,
            CreatedAt = ctx.Now,
            CreatedBy = ctx.Actor.Name,
        };
        ctx.Db.FlyerCampaigns.Add(campaign);
        ctx.Audit.Record("campaign.created", "campaign", campaign.Id.ToString(), $"{channel.Name}: {campaign.Name} (scene {scene})");
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

        return View(campaign, new Dictionary<string, (int, int)>());
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

    private static FlyerCampaignView View(FlyerCampaign c, Dictionary<string, (int Active, int Total)> counts)
    {
        var (active, total) = counts.GetValueOrDefault(c.Source);
        return new FlyerCampaignView(c.Id, c.ChannelId, c.Name, c.Scene, c.Source, c.JoinUrl, c.CreatedAt, c.CreatedBy, active, total);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SceneRegex();
}
