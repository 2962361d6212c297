using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Channels;
using Piazza.Common;
using Piazza.Subscribers;

namespace Piazza.Inbound;

/// <summary>A message a citizen sent, as the staff see it (the address partly hidden).</summary>
/// <param name="Id">Its id.</param>
/// <param name="ChannelId">The channel it came to.</param>
/// <param name="ChannelName">That channel's name.</param>
/// <param name="ChannelKind">Its platform.</param>
/// <param name="MaskedAddress">Who wrote, with most characters hidden.</param>
/// <param name="SubscriberId">Their subscriber record, if any.</param>
/// <param name="Text">What they wrote.</param>
/// <param name="ReceivedAt">When Piazza received it (UTC).</param>
/// <param name="State">Handled automatically, or kept for the staff.</param>
/// <param name="Kind">What it was taken for.</param>
/// <param name="Note">What Piazza did with it.</param>
public sealed record InboundView(
    long Id, Guid ChannelId, string ChannelName, ChannelKind ChannelKind, string MaskedAddress, long? SubscriberId, string Text,
    DateTime ReceivedAt, InboundState State, InboundKind Kind, string? Note);

/// <summary>The citizens' messages for the staff: newest first, the ones kept for a person to read by default.</summary>
public sealed class InboundService(ServiceContext ctx)
{
    public async Task<Page<InboundView>> ListAsync(Guid? channelId, bool keptOnly, Paging paging, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersRead);
        paging = paging.Clamp();
        var q = ctx.Db.InboundMessages.AsNoTracking().Where(m => m.State != InboundState.Pending);
        if (channelId is { } id)
        {
            q = q.Where(m => m.ChannelId == id);
        }

        if (keptOnly)
        {
            q = q.Where(m => m.State == InboundState.Kept);
        }

        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(m => m.ReceivedAt).ThenByDescending(m => m.Id).Skip(paging.Skip).Take(paging.Take)
            .Join(ctx.Db.Channels, m => m.ChannelId, c => c.Id, (m, c) => new { m, c.Name, c.Kind })
            .ToListAsync(ct);
        return new Page<InboundView>(
            [.. rows.Select(r => new InboundView(
                r.m.Id, r.m.ChannelId, r.Name, r.Kind, SubscriberService.Mask(r.Kind, r.m.Address), r.m.SubscriberId, r.m.Text,
                r.m.ReceivedAt, r.m.State, r.m.Kind, r.m.Note))],
            total, paging.Skip, paging.Take);
    }
}
