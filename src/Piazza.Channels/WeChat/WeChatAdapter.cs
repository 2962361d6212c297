using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Piazza.Broadcast;
using Piazza.Channels.Formatting;
using Piazza.Data;
using Piazza.Posts;
using Piazza.WeChat;

namespace Piazza.Channels.WeChat;

/// <summary>
/// Sends bulletins to a WeChat Official Account's followers: one mass send (<c>message/mass/sendall</c>) per delivery,
/// that is per WeChat tag — the bulletin's topic (or everyone) — and language group, after bringing the tag's members
/// up to date. The <c>clientmsgid</c> is derived from the delivery's idempotency key, so a retry after a lost answer is
/// recognised by WeChat (45065) instead of reaching the followers twice. With a cover image configured a bulletin goes
/// out as an article (which followers can comment on), else as text. Replies to one follower (keywords' answers that
/// could not be given passively) go as customer-service messages, allowed within 48 hours of the follower's last action.
/// </summary>
public sealed class WeChatAdapter(WeChatApi api, WeChatTagSync tags, IServiceScopeFactory scopes, SqliteWriteGate gate, TimeProvider time, ILogger<WeChatAdapter> logger)
    : IChannelAdapter
{
    /// <summary>WeChat's limit for the text of a mass send (characters; WeChat's own community answer says 300, older
    /// documents 600: the stricter one).</summary>
    public const int MaxText = 300;

    /// <summary>An article's title: at most 32 characters.</summary>
    public const int MaxTitle = 32;

    public ChannelKind? Kind => ChannelKind.WeChat;

    /// <summary>Sandbox channels talk to Piazza's simulator (<c>/sandbox/wechat/cgi-bin/</c> on this server).</summary>
    public bool HasSimulator => true;

    /// <summary>The <c>clientmsgid</c> of a delivery (WeChat allows 64 characters; the key is longer, so it is hashed).</summary>
    public static string ClientMsgId(string idempotencyKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..40];

    public async Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        if (message.Group is null || message.SubscriberId >= 0)
        {
            return new SendResult.Permanent("A WeChat bulletin goes to groups of followers; this delivery has none.");
        }

        if (message.Texts.Count == 0)
        {
            return new SendResult.Permanent("The bulletin has no text.");
        }

        try
        {
            return await MassSendAsync(message, ct);
        }
        catch (WeChatException e) when (e.Code == 45159)
        {
            // WeChat no longer knows a tag Piazza created (deleted on the platform): forget it and create it again.
            await tags.ForgetTagsAsync(message.Channel.Id, ct);
            try
            {
                return await MassSendAsync(message, ct);
            }
            catch (WeChatException again)
            {
                return Interpret(again);
            }
        }
        catch (WeChatException e)
        {
            return Interpret(e);
        }
    }

    private async Task<SendResult> MassSendAsync(OutboundMessage message, CancellationToken ct)
    {
        var channel = message.Channel;
        var group = message.Group!;
        {
            var groups = await GroupsAsync(channel, ct);
            var (tagId, members) = await tags.SyncAsync(channel, message.ToEveryone ? null : message.TopicKey, group, groups, ct);
            if (members == 0)
            {
                // Nobody in this group: no mass send (it would spend the quota for nothing).
                return new SendResult.Sent(null);
            }

            string? mediaId = null;
            string? text = null;
            if (channel.Setting(WeChatChannel.CoverMediaId) is { } cover)
            {
                var title = string.Join(" / ", message.Texts.Select(t => t.Title).Where(t => t.Length > 0));
                var html = string.Concat(message.Texts.Select(t =>
                    (message.Texts.Count > 1 ? $"<h2>{System.Net.WebUtility.HtmlEncode(t.Title)}</h2>" : string.Empty) + MessageFormatter.ToHtml(t.Markdown)));
                var digest = MessageFormatter.Render(MessageFormat.PlainText, string.Empty, message.Texts[0].Markdown).Text;
                mediaId = await api.AddArticleAsync(channel, Clip(title.Length > 0 ? title : channel.Name, MaxTitle), html, Clip(digest, 110), cover, ct);
            }
            else
            {
                text = MessageFormatter.RenderMany(MessageFormat.PlainText, message.Texts.Select(t => (t.Title, t.Markdown)).ToList(), MaxText).Text;
            }

            var (msgId, msgDataId) = await api.MassSendAsync(channel, tagId, text, mediaId, ClientMsgId(message.IdempotencyKey), ct);
            await RecordAsync(message, tagId, group, msgId, msgDataId, ct);
            return new SendResult.Sent(msgId);
        }
    }

    public async Task<SendResult> ReplyAsync(ChannelAccount channel, string address, string text, CancellationToken ct)
    {
        try
        {
            await api.CustomSendAsync(channel, address, text, ct);
            return new SendResult.Sent(null);
        }
        catch (WeChatException e)
        {
            return Interpret(e);
        }
    }

    /// <summary>What the dispatcher does with WeChat's refusal.</summary>
    public static SendResult Interpret(WeChatException e)
    {
        var reason = $"{e.Code} {e.WeChatMessage}".Trim();
        return e.Code switch
        {
            45009 => new SendResult.RateLimited(TimeSpan.FromHours(1), reason), // the day's API quota
            45011 or 45066 => new SendResult.RateLimited(TimeSpan.FromMinutes(1), reason), // calls a minute; the same clientmsgid too soon
            45047 => new SendResult.RateLimited(TimeSpan.FromMinutes(10), reason), // too many customer-service messages
            -1 => new SendResult.Transient(reason), // WeChat busy, or not reachable
            40001 or 40014 or 42001 or 40125 or 40013 or 40164 or 48001 or 50001 => new SendResult.Transient(reason), // token, IP allow-list, permission: the account's configuration
            45028 => new SendResult.Permanent("No mass-send quota left on WeChat: " + reason),
            45015 => new SendResult.Permanent("The follower has not written in the last 48 hours: " + reason),
            43004 or 40003 => new SendResult.Permanent(reason, RecipientGone: true), // not a follower (any more)
            _ => new SendResult.Permanent(reason),
        };
    }

    private async Task<IReadOnlyList<string>> GroupsAsync(ChannelAccount channel, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var orgLanguages = await db.OrganizationLanguages.IgnoreQueryFilters().Where(o => o.OrganizationId == channel.OrganizationId)
            .OrderBy(o => o.Position).Select(o => o.Tag).ToListAsync(ct);
        return WeChatChannel.Definition.AudienceGroups!(channel.Settings, orgLanguages);
    }

    /// <summary>Keeps the mass send for the quota, its completion and its comments (once: a retry recognised by WeChat
    /// returns the same msg_id).</summary>
    private async Task RecordAsync(OutboundMessage message, int tagId, string group, string msgId, string? msgDataId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        using var entered = await gate.EnterAsync(!db.Database.IsNpgsql(), ct);
        if (await db.WeChatMassSends.IgnoreQueryFilters().AnyAsync(m => m.ChannelId == message.Channel.Id && m.MsgId == msgId, ct))
        {
            return;
        }

        db.WeChatMassSends.Add(new WeChatMassSend
        {
            OrganizationId = message.Channel.OrganizationId,
            ChannelId = message.Channel.Id,
            PostId = message.PostId,
            DeliveryId = message.DeliveryId,
            TagId = tagId,
            Language = group,
            MsgId = msgId,
            MsgDataId = msgDataId,
            SentAt = time.GetUtcNow().UtcDateTime,
            Emergency = message.Priority == PostPriority.Emergency,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e)
        {
            logger.LogDebug(e, "Mass send {MsgId} was recorded by another node", msgId);
        }
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
