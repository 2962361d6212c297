using Microsoft.EntityFrameworkCore;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Data;
using Piazza.Subscribers;

namespace Piazza.Server.Sandbox;

/// <summary>
/// The WeChat simulator keeps its state in memory. When it first meets a sandbox account after the server started
/// (its adapter asks for a token, or the citizen phone opens it), it learns what Piazza already knows of the account:
/// its followers (the channel's active subscribers, such as the demo's) and its flyer QR codes (the channel's
/// campaigns), so that a restart loses neither.
/// </summary>
public sealed class WeChatSandboxMemory(IServiceScopeFactory scopes, WeChatSimulator simulator)
{
    public async Task EnsureAsync(Guid channelId, CancellationToken ct)
    {
        if (!simulator.FirstMeeting(channelId))
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var followers = await db.Subscribers.IgnoreQueryFilters().AsNoTracking()
            .Where(s => s.ChannelId == channelId && s.Status == SubscriberStatus.Active)
            .Select(s => new { s.Address, s.DisplayName, s.SubscribedAt }).ToListAsync(ct);
        foreach (var f in followers)
        {
            simulator.AddFollower(channelId, f.Address, f.DisplayName ?? f.Address, new DateTimeOffset(f.SubscribedAt, TimeSpan.Zero));
        }

        var codes = await db.FlyerCampaigns.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.ChannelId == channelId && c.Ticket != null).Select(c => new { c.Scene, c.Ticket }).ToListAsync(ct);
        foreach (var c in codes)
        {
            simulator.AddQrCode(channelId, c.Scene, c.Ticket!);
        }
    }
}
