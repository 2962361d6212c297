using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Piazza.Channels;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Channels.WhatsApp;
using Piazza.Channels.WhatsApp.Simulator;
using Piazza.Server.Sandbox;
using Piazza.Server.Tests.Broadcast;
using Piazza.Subscribers;
using Xunit;

namespace Piazza.Server.Tests.Join;

/// <summary>The broadcast factory listening on a loopback port with every channel on its platform's real adapter, so that
/// sandbox channels talk to Piazza's simulators over HTTP and the simulated citizens' messages reach the server's own
/// webhooks, signed: a citizen writes on WhatsApp, starts the Telegram bot, follows on WeChat.</summary>
public sealed class JoinFactory : LiveBroadcastFactory
{
    public WhatsAppSimulator WhatsApp => Service<WhatsAppSimulator>();

    public TelegramSandboxBots TelegramBots => Service<TelegramSandboxBots>();

    public WeChatSimulator WeChat => Service<WeChatSimulator>();

    /// <summary>A citizen writes <paramref name="text"/> on WhatsApp from the simulated phone: the notification Meta would
    /// post, signed with the channel's app secret, to the channel's webhook.</summary>
    public async Task WhatsAppWritesAsync(ChannelAccount account, string phone, string text)
    {
        var (_, notification) = WhatsApp.FromCitizen(account, phone, text);
        var bytes = Encoding.UTF8.GetBytes(notification);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/whatsapp/{account.Id}") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Hub-Signature-256", WhatsAppWebhook.Sign(bytes, account.Secret(WhatsAppChannel.AppSecret)!));
        using var response = await CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The replies the WhatsApp simulator received for <paramref name="phone"/>, once there are <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<string>> WhatsAppRepliesAsync(Guid channelId, string phone, int count)
    {
        List<string> replies = [];
        await WaitUntilAsync(() =>
        {
            replies = (WhatsApp.Store.Find(channelId, phone)?.Messages() ?? []).Where(m => !m.FromCitizen).Select(m => m.Text).ToList();
            return Task.FromResult(replies.Count >= count);
        }, 20, $"{count} replies to {phone}");
        return replies;
    }

    /// <summary>Waits until the person at <paramref name="address"/> is an active subscriber of the channel.</summary>
    public async Task<Subscriber> SubscriberAsync(Guid channelId, string address)
    {
        Subscriber? subscriber = null;
        await WaitUntilAsync(async () =>
        {
            await using var db = Database.CreateContext();
            subscriber = await db.Subscribers.IgnoreQueryFilters().AsNoTracking().Include(s => s.Topics)
                .FirstOrDefaultAsync(s => s.ChannelId == channelId && s.Address == address && s.Status == SubscriberStatus.Active);
            return subscriber is not null;
        }, 20, $"{address} subscribed");
        return subscriber!;
    }

    /// <summary>The audit entries of an organization with <paramref name="action"/>.</summary>
    public async Task<List<Audit.AuditEntry>> AuditAsync(Guid organizationId, string action)
    {
        await using var db = Database.CreateContext();
        return await db.AuditEntries.IgnoreQueryFilters().AsNoTracking().Where(a => a.OrganizationId == organizationId && a.Action == action).OrderBy(a => a.Id).ToListAsync();
    }

    /// <summary>The organization's slug (its public site's address).</summary>
    public async Task<string> SlugAsync(Guid organizationId)
    {
        await using var db = Database.CreateContext();
        return await db.Organizations.IgnoreQueryFilters().Where(o => o.Id == organizationId).Select(o => o.Slug).SingleAsync();
    }
}
