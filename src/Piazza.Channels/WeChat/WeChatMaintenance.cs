using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Channels.Campaigns;
using Piazza.Common;
using Piazza.Data;
using Piazza.Inbound;
using Piazza.Tenancy;

namespace Piazza.Channels.WeChat;

/// <summary>WeChat's background work (section "WeChat").</summary>
public sealed class WeChatOptions
{
    public const string Section = "WeChat";

    /// <summary>How often the tags and the menu of every WeChat account are brought up to date.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>False turns the periodic work off (tests that drive it themselves).</summary>
    public bool MaintenanceEnabled { get; set; } = true;
}

/// <summary>
/// Keeps every enabled WeChat account in step with Piazza: the tags of each topic (and of everyone) in each language
/// group, with their members, so that a mass send finds them ready; the account's menu, made of the auto-reply
/// entries (one CLICK button each), pushed through <c>menu/create</c> whenever the entries change; and, once, the
/// permanent QR code the public subscribe page shows (the flyer campaign <see cref="WeChatJoin.WebsiteScene"/>).
/// </summary>
public sealed class WeChatMaintenance(
    IServiceScopeFactory scopes, EngineData engine, WeChatTagSync tags, WeChatApi api, IOptions<WeChatOptions> options, TimeProvider time, ILogger<WeChatMaintenance> logger)
    : BackgroundService
{
    private readonly Dictionary<Guid, string> _menus = [];
    private int _lastCount;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (!options.Value.MaintenanceEnabled)
        {
            return;
        }

        // A first round shortly after the start (a sandbox's simulator needs the server to listen first).
        await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = options.Value.MaintenanceInterval;
            try
            {
                if (await RunOnceAsync(stoppingToken) < _lastCount)
                {
                    next = TimeSpan.FromMinutes(1); // an account could not be brought up to date: try again soon
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "WeChat maintenance failed; trying again later");
            }

            await Task.Delay(next < options.Value.MaintenanceInterval ? next : options.Value.MaintenanceInterval, time, stoppingToken);
        }
    }

    /// <summary>One round over every enabled WeChat account; returns how many were brought up to date.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        List<Guid> ids;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            ids = await db.Channels.IgnoreQueryFilters().Where(c => c.Kind == ChannelKind.WeChat && c.IsEnabled).Select(c => c.Id).ToListAsync(ct);
        }

        var done = 0;
        _lastCount = ids.Count;
        foreach (var id in ids)
        {
            try
            {
                await SyncChannelAsync(id, ct);
                await EnsureWebsiteQrCodeAsync(id, ct);
                done++;
            }
            catch (WeChatException e)
            {
                logger.LogWarning("WeChat channel {Channel}: tags or menu not brought up to date: {Code} {Message}", id, e.Code, e.WeChatMessage);
            }
            catch (ConflictException e)
            {
                logger.LogWarning("WeChat channel {Channel}: the website's QR code was not made: {Message}", id, e.Message);
            }
        }

        return done;
    }

    /// <summary>Makes the account's QR code for the public pages (the flyer campaign <see cref="WeChatJoin.WebsiteScene"/>)
    /// unless it has one: once per account, here rather than when a public page is asked for.</summary>
    public async Task EnsureWebsiteQrCodeAsync(Guid channelId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var organizationId = await db.Channels.IgnoreQueryFilters().Where(c => c.Id == channelId).Select(c => (Guid?)c.OrganizationId).FirstOrDefaultAsync(ct);
        if (organizationId is null
            || await db.FlyerCampaigns.IgnoreQueryFilters().AnyAsync(c => c.ChannelId == channelId && c.Scene == WeChatJoin.WebsiteScene, ct))
        {
            return;
        }

        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(organizationId.Value);
        var actor = new SystemActor();
        var context = new ServiceContext(db, actor, new Auditor(db, actor, time), time);
        var campaigns = ActivatorUtilities.CreateInstance<FlyerCampaignService>(scope.ServiceProvider, context);
        if (await campaigns.EnsureWebsiteCampaignAsync(channelId, ct) is { } made)
        {
            logger.LogInformation("WeChat channel {Channel}: QR code for the public pages made ({Url})", channelId, made.JoinUrl);
        }
    }

    /// <summary>Brings one account's tags and menu up to date.</summary>
    public async Task SyncChannelAsync(Guid channelId, CancellationToken ct)
    {
        ChannelSnapshot? channel;
        List<string> topics;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            channel = await engine.LoadChannelAsync(db, channelId, ct);
            if (channel is null)
            {
                return;
            }

            topics = await db.Topics.IgnoreQueryFilters().Where(t => t.OrganizationId == channel.Account.OrganizationId && t.IsActive)
                .OrderBy(t => t.Key).Select(t => t.Key).ToListAsync(ct);
        }

        var groups = channel.Groups ?? ["*"];
        foreach (var group in groups)
        {
            await tags.SyncAsync(channel.Account, null, group, groups, ct);
            foreach (var topic in topics)
            {
                await tags.SyncAsync(channel.Account, topic, group, groups, ct);
            }
        }

        var entries = Keywords.AutoReplies(channel.Account.Settings);
        var menu = entries.Select((e, i) => (Name: e.Keywords[0], Key: InboundProcessor.AutoReplyKeyPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', menu.Select(m => m.Name + "\t" + m.Key)))));
        lock (_menus)
        {
            if (menu.Count == 0 || _menus.GetValueOrDefault(channelId) == hash)
            {
                return;
            }
        }

        await api.CreateMenuAsync(channel.Account, menu, ct);
        lock (_menus)
        {
            _menus[channelId] = hash;
        }

        logger.LogInformation("WeChat channel {Channel}: menu of {Count} entries published", channelId, menu.Count);
    }
}
