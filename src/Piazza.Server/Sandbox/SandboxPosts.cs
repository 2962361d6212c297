using Piazza.Audit;
using Piazza.Channels;
using Piazza.Channels.Facebook;
using Piazza.Channels.Facebook.Simulator;
using Piazza.Channels.Formatting;
using Piazza.Channels.Mastodon;
using Piazza.Channels.Mastodon.Simulator;
using Piazza.Channels.Telegram;
using Piazza.Channels.Telegram.Simulator;
using Piazza.Channels.X;
using Piazza.Channels.X.Simulator;
using Piazza.Common;

namespace Piazza.Server.Sandbox;

/// <summary>A post a social simulator accepted for one of the organization's sandbox channels, as the platform shows it.</summary>
/// <param name="Id">The platform's id of the post.</param>
/// <param name="At">When the simulator accepted it.</param>
/// <param name="Text">Its text as the platform shows it (Telegram: without the markup).</param>
/// <param name="Nodes">Telegram only: the text with its formatting (bold, links…).</param>
/// <param name="Link">Facebook only: the link attached to the post.</param>
/// <param name="Length">Its length as the platform counts it (X: weighted; Mastodon: links as 23).</param>
/// <param name="Limit">The platform's (or, for Mastodon, the instance's) limit.</param>
/// <param name="IdempotencyKey">Mastodon only: the request's Idempotency-Key (Piazza sends the delivery's key).</param>
/// <param name="Visibility">Mastodon only: the status's visibility.</param>
/// <param name="Language">Mastodon only: the status's language.</param>
public sealed record SandboxPostView(
    ChannelView Channel, string Id, DateTimeOffset At, string Text, IReadOnlyList<TelegramNode>? Nodes, string? Link, int Length, int Limit,
    string? IdempotencyKey, string? Visibility, string? Language);

/// <summary>
/// What the social simulators received: the recent posts the Facebook, X and Mastodon simulators and the Telegram
/// simulator's public channels accepted for the organization's sandbox channels (in memory: since the server started).
/// For the staff who manage channels, as the citizen phone.
/// </summary>
public sealed class SandboxPosts(ChannelService channels, FacebookSimulator facebook, XSimulator x, MastodonSimulator mastodon, TelegramSimulator telegram, IActor actor)
{
    /// <summary>The most posts shown at once.</summary>
    public const int MaxPosts = 200;

    /// <summary>The organization's sandbox channels whose posts a simulator keeps: Facebook pages, X and Mastodon
    /// accounts, Telegram channels posting to a public channel.</summary>
    public async Task<IReadOnlyList<ChannelView>> ChannelsAsync(CancellationToken ct)
    {
        if (!actor.HasScope(Scopes.ChannelsWrite))
        {
            throw new ForbiddenException("Reading what the sandbox simulators received needs the permission to manage channels.");
        }

        return [.. (await channels.ListAsync(ct)).Where(c => c.IsSandbox && (c.Kind is ChannelKind.Facebook or ChannelKind.X or ChannelKind.Mastodon
            || (c.Kind == ChannelKind.Telegram && c.Settings.ContainsKey(TelegramChannel.ChannelUsername))))];
    }

    /// <summary>The posts of those channels (or of one of them), the newest first.</summary>
    public async Task<IReadOnlyList<SandboxPostView>> ListAsync(Guid? channelId, CancellationToken ct)
    {
        var posts = new List<SandboxPostView>();
        foreach (var c in (await ChannelsAsync(ct)).Where(c => channelId is null || c.Id == channelId))
        {
            switch (c.Kind)
            {
                case ChannelKind.Facebook:
                    posts.AddRange(facebook.PostsOf(c.Id).Select(p => new SandboxPostView(
                        c, p.Id, p.At, p.Message ?? string.Empty, null, p.Link, (p.Message ?? string.Empty).Length, FacebookChannel.MaxMessageLength, null, null, null)));
                    break;
                case ChannelKind.X:
                    posts.AddRange(x.PostsOf(c.Id).Select(p => new SandboxPostView(
                        c, p.Id, p.At, p.Text, null, null, MessageFormatter.XWeightedLength(p.Text), XChannel.MaxWeightedLength, null, null, null)));
                    break;
                case ChannelKind.Mastodon:
                    var limit = MastodonChannel.LimitOf(c.Settings);
                    posts.AddRange(mastodon.StatusesOf(c.Id).Select(s => new SandboxPostView(
                        c, s.Id, s.At, s.Text, null, null, MessageFormatter.Length(MessageFormat.MastodonStatus, s.Text), limit, s.IdempotencyKey, s.Visibility, s.Language)));
                    break;
                default:
                    posts.AddRange(telegram.ChannelPosts(c.Id).Select(p => new SandboxPostView(
                        c, p.MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture), p.At, p.Text, TelegramAppView.Nodes(p), null, p.Text.Length, MessageFormatter.DefaultLimit(MessageFormat.TelegramHtml) ?? 4096, null, null, null)));
                    break;
            }
        }

        return [.. posts.OrderByDescending(p => p.At).Take(MaxPosts)];
    }
}
