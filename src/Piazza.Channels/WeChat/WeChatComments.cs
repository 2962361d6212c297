using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Comments;
using Piazza.Common;
using Piazza.Data;
using Piazza.Subscribers;
using Piazza.WeChat;

namespace Piazza.Channels.WeChat;

/// <summary>A follower's comment on a bulletin, without personal data: the author's OpenID is masked.</summary>
/// <param name="Id">The comment's id in Piazza.</param>
/// <param name="PostId">The bulletin.</param>
/// <param name="ChannelId">The WeChat channel of the article.</param>
/// <param name="ArticleId">The article on WeChat (msg_data_id).</param>
/// <param name="ArticleIndex">The article's position in its mass send (0 for the first).</param>
/// <param name="MaskedAuthor">The author's OpenID with most characters hidden.</param>
/// <param name="Text">What the follower wrote.</param>
/// <param name="WrittenAt">When they wrote it (UTC).</param>
/// <param name="Shown">True when it is shown publicly under the article (WeChat: elected).</param>
/// <param name="Hidden">True when the staff hid it.</param>
/// <param name="Reply">The account's public reply, if any.</param>
/// <param name="RepliedAt">When the reply was written (UTC), if known.</param>
/// <param name="RepliedBy">Who replied through Piazza (null when the reply was written elsewhere).</param>
/// <param name="ReadAt">When Piazza last found the comment on WeChat (UTC).</param>
/// <param name="Removed">True when the comment was no longer on WeChat at the last reading (deleted by its author or on WeChat).</param>
public sealed record BulletinCommentView(
    long Id, Guid PostId, Guid ChannelId, string ArticleId, int ArticleIndex, string MaskedAuthor, string Text, DateTime WrittenAt,
    bool Shown, bool Hidden, string? Reply, DateTime? RepliedAt, string? RepliedBy, DateTime ReadAt, bool Removed);

/// <summary>A bulletin's article on a WeChat channel (one per mass send that went out as an article).</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="ChannelName">Its name.</param>
/// <param name="ArticleId">The article on WeChat (msg_data_id).</param>
/// <param name="Language">The followers' language it went to ("*" for every language).</param>
/// <param name="SentAt">When it was sent (UTC).</param>
/// <param name="CommentsReadAt">When its comments were last read from WeChat (UTC), if ever.</param>
public sealed record CommentArticleView(Guid ChannelId, string ChannelName, string ArticleId, string Language, DateTime SentAt, DateTime? CommentsReadAt);

/// <summary>The comments of a bulletin.</summary>
/// <param name="Articles">The bulletin's articles on WeChat channels (empty: it did not go to WeChat as an article).</param>
/// <param name="Comments">The comments read so far, the newest first.</param>
public sealed record BulletinCommentsView(IReadOnlyList<CommentArticleView> Articles, IReadOnlyList<BulletinCommentView> Comments);

/// <summary>What a reading of comments found.</summary>
/// <param name="Articles">Articles read.</param>
/// <param name="Comments">Comments found on them.</param>
/// <param name="Added">Comments new to Piazza.</param>
/// <param name="Changed">Comments whose text, visibility or reply changed.</param>
/// <param name="Problems">Articles that could not be read, and why (WeChat's answer).</param>
public sealed record CommentReading(int Articles, int Comments, int Added, int Changed, IReadOnlyList<string> Problems);

/// <summary>A reply to a comment.</summary>
/// <param name="Text">Required: 1–600 characters, shown publicly under the comment. It replaces an earlier reply.</param>
public sealed record CommentReplyInput(string? Text);

/// <summary>
/// Followers' comments on bulletins that went to WeChat as articles. WeChat does not push comments: they are read with
/// <c>comment/list</c> (50 a page) per article — on demand for a bulletin, and by <see cref="WeChatCommentReader"/> for
/// every bulletin of the last 30 days — and kept in <c>bulletin_comments</c>, one row per WeChat comment. Replying,
/// hiding and showing call WeChat first and change the row only when WeChat accepted; each is audited with who did it.
/// Whoever reads bulletins sees the comments (authors masked); those who approve bulletins act on them.
/// </summary>
public sealed class WeChatComments(ServiceContext ctx, WeChatApi api, EngineData engine, SqliteWriteGate gate, ILogger<WeChatComments> logger)
{
    /// <summary>WeChat's limit for a reply under a comment (characters).</summary>
    public const int MaxReply = 600;

    /// <summary>Bulletins whose comments the reader keeps reading.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);

    /// <summary>At most this many pages of 50 are read per article in one reading.</summary>
    private const int MaxPages = 200;

    /// <summary>The comments of a bulletin and its articles on WeChat.</summary>
    public async Task<BulletinCommentsView> ListAsync(Guid postId, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsRead);
        await RequirePostAsync(postId, ct);
        var sends = await ctx.Db.WeChatMassSends.AsNoTracking().Where(m => m.PostId == postId && m.MsgDataId != null).OrderBy(m => m.SentAt).ThenBy(m => m.Id).ToListAsync(ct);
        var channelIds = sends.Select(m => m.ChannelId).Distinct().ToList();
        var names = await ctx.Db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var articles = sends.Select(m => new CommentArticleView(m.ChannelId, names.GetValueOrDefault(m.ChannelId, "—"), m.MsgDataId!, m.Language, m.SentAt, m.CommentsReadAt)).ToList();
        var lastRead = sends.Where(m => m.CommentsReadAt is not null).GroupBy(m => (m.ChannelId, m.MsgDataId!)).ToDictionary(g => g.Key, g => g.Max(m => m.CommentsReadAt!.Value));
        var rows = await ctx.Db.BulletinComments.AsNoTracking().Where(c => c.PostId == postId)
            .OrderByDescending(c => c.WrittenAt).ThenByDescending(c => c.Id).Take(1000).ToListAsync(ct);
        return new BulletinCommentsView(articles, rows.Select(c => View(c, lastRead)).ToList());
    }

    /// <summary>Reads now from WeChat the comments of a bulletin's articles.</summary>
    public async Task<CommentReading> RefreshAsync(Guid postId, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsRead);
        await RequirePostAsync(postId, ct);
        var sends = await ctx.Db.WeChatMassSends.AsNoTracking().Where(m => m.PostId == postId && m.MsgDataId != null).ToListAsync(ct);
        return await ReadChannelsAsync(sends, ct);
    }

    /// <summary>Reads now from WeChat the comments of the channel's bulletins of the last 30 days.</summary>
    public async Task<CommentReading> RefreshChannelAsync(Guid channelId, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsRead);
        if (!await ctx.Db.Channels.AnyAsync(c => c.Id == channelId, ct))
        {
            throw new NotFoundException("channel", channelId.ToString());
        }

        var since = ctx.Now - DefaultWindow;
        var sends = await ctx.Db.WeChatMassSends.AsNoTracking().Where(m => m.ChannelId == channelId && m.MsgDataId != null && m.SentAt >= since).ToListAsync(ct);
        return await ReadChannelsAsync(sends, ct);
    }

    /// <summary>Replies publicly under a comment (replacing an earlier reply).</summary>
    public async Task<BulletinCommentView> ReplyAsync(Guid postId, long commentId, CommentReplyInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsApprove);
        var comment = await FindAsync(postId, commentId, ct);
        var text = input.Text?.Trim() ?? string.Empty;
        new Validation()
            .When(text.Length == 0, "text", "Write the reply.")
            .When(text.EnumerateRunes().Count() > MaxReply, "text", "The reply is longer than 600 characters.")
            .ThrowIfInvalid();
        var account = await AccountAsync(comment.ChannelId, ct);
        var oldReplyRemoved = false;
        try
        {
            try
            {
                await api.ReplyCommentAsync(account, comment.ArticleId, comment.ArticleIndex, comment.PlatformCommentId, text, ct);
            }
            catch (WeChatException e) when (e.Code == AlreadyReplied)
            {
                // WeChat keeps one reply per comment: the new one replaces the old.
                await DeleteReplyAsync(account, comment, ct);
                oldReplyRemoved = true;
                await api.ReplyCommentAsync(account, comment.ArticleId, comment.ArticleIndex, comment.PlatformCommentId, text, ct);
            }
        }
        catch (WeChatException e)
        {
            if (oldReplyRemoved)
            {
                // The old reply is gone from WeChat although the new one was refused: the row says so.
                comment.Reply = null;
                comment.RepliedAt = null;
                comment.RepliedBy = null;
                ctx.Audit.Record("comment.reply-removed", "comment", Id(comment), $"bulletin {comment.PostId}: the earlier reply was removed, the new one refused");
                await SaveAsync(ct);
            }

            throw Refused("WeChat refused the reply.", e);
        }

        comment.Reply = text;
        comment.RepliedAt = ctx.Now;
        comment.RepliedBy = ctx.Actor.Name;
        ctx.Audit.Record("comment.replied", "comment", Id(comment), $"bulletin {comment.PostId}: {Clip(text, 300)}");
        await SaveAsync(ct);
        return View(comment, null);
    }

    /// <summary>Hides a comment from the article's public comments (WeChat: unelect).</summary>
    public Task<BulletinCommentView> HideAsync(Guid postId, long commentId, CancellationToken ct) => SetShownAsync(postId, commentId, shown: false, ct);

    /// <summary>Shows a comment publicly under the article (WeChat: elect).</summary>
    public Task<BulletinCommentView> ShowAsync(Guid postId, long commentId, CancellationToken ct) => SetShownAsync(postId, commentId, shown: true, ct);

    /// <summary>
    /// Reads the comments of <paramref name="sends"/> (mass sends of <paramref name="channel"/> that went out as
    /// articles) and stores what is new or changed; every comment seen gets <see cref="BulletinComment.ReadAt"/> = now
    /// and every article read its <see cref="WeChatMassSend.CommentsReadAt"/>. An article WeChat refuses to list is
    /// reported in <see cref="CommentReading.Problems"/>; the others are still read. Used by the service and by the
    /// background reader (which has no tenant: rows are found by channel and carry the channel's organization).
    /// </summary>
    public static async Task<CommentReading> ReadAsync(
        PiazzaDb db, WeChatApi api, SqliteWriteGate gate, ChannelAccount channel, IReadOnlyList<WeChatMassSend> sends, DateTime now, ILogger logger, bool background, CancellationToken ct)
    {
        var problems = new List<string>();
        int articles = 0, seen = 0, added = 0, changed = 0;
        foreach (var article in sends.Where(m => m.ChannelId == channel.Id && m.MsgDataId is not null).GroupBy(m => m.MsgDataId!))
        {
            var msgDataId = article.Key;
            var postId = article.First().PostId;
            List<WeChatComment> found;
            try
            {
                found = await ListAllAsync(api, channel, msgDataId, ArticleIndex, ct);
            }
            catch (WeChatException e)
            {
                logger.LogInformation("WeChat channel {Channel}: the comments of article {Article} could not be read: {Code} {Message}", channel.Id, msgDataId, e.Code, e.WeChatMessage);
                problems.Add($"{msgDataId}: {e.Code} {e.WeChatMessage}".Trim());
                continue;
            }

            articles++;
            seen += found.Count;
            using var entered = await gate.EnterAsync(!db.Database.IsNpgsql(), ct, background);
            var existing = await db.BulletinComments.IgnoreQueryFilters()
                .Where(c => c.ChannelId == channel.Id && c.ArticleId == msgDataId && c.ArticleIndex == ArticleIndex).ToListAsync(ct);
            var byId = existing.ToDictionary(c => c.PlatformCommentId, StringComparer.Ordinal);
            foreach (var c in found.DistinctBy(c => c.UserCommentId))
            {
                if (!byId.TryGetValue(c.UserCommentId, out var row))
                {
                    db.BulletinComments.Add(new BulletinComment
                    {
                        OrganizationId = channel.OrganizationId,
                        ChannelId = channel.Id,
                        PostId = postId,
                        ArticleId = msgDataId,
                        ArticleIndex = ArticleIndex,
                        PlatformCommentId = c.UserCommentId,
                        Author = Clip(c.OpenId, 200),
                        Text = Clip(c.Content, 4096),
                        WrittenAt = c.CreatedAt,
                        Shown = c.Elected,
                        Reply = c.Reply is null ? null : Clip(c.Reply, 4096),
                        RepliedAt = c.Reply is null ? null : now,
                        ReadAt = now,
                    });
                    added++;
                    continue;
                }

                var text = Clip(c.Content, 4096);
                var reply = c.Reply is null ? null : Clip(c.Reply, 4096);
                if (!string.Equals(row.Text, text, StringComparison.Ordinal) || row.Shown != c.Elected || !string.Equals(row.Reply, reply, StringComparison.Ordinal))
                {
                    changed++;
                    row.Text = text;
                    row.Shown = c.Elected;
                    if (c.Elected)
                    {
                        row.Hidden = false;
                    }

                    if (!string.Equals(row.Reply, reply, StringComparison.Ordinal))
                    {
                        // Replied (or the reply removed) outside Piazza, e.g. on WeChat's own platform.
                        row.Reply = reply;
                        row.RepliedAt = reply is null ? null : now;
                        row.RepliedBy = null;
                    }
                }

                row.ReadAt = now;
            }

            await db.WeChatMassSends.IgnoreQueryFilters().Where(m => m.ChannelId == channel.Id && m.MsgDataId == msgDataId)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.CommentsReadAt, now), ct);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e)
            {
                // Another node stored the same comments meanwhile: the next reading brings this one up to date.
                logger.LogInformation(e, "WeChat channel {Channel}: the comments of article {Article} were stored by another reader", channel.Id, msgDataId);
                db.ChangeTracker.Clear();
            }
        }

        return new CommentReading(articles, seen, added, changed, problems);
    }

    /// <summary>Every comment of an article, page by page (50 a page).</summary>
    public static async Task<List<WeChatComment>> ListAllAsync(WeChatApi api, ChannelAccount channel, string msgDataId, int index, CancellationToken ct)
    {
        var all = new List<WeChatComment>();
        for (var page = 0; page < MaxPages; page++)
        {
            var (total, comments) = await api.CommentsAsync(channel, msgDataId, index, all.Count, ct);
            all.AddRange(comments);
            if (comments.Count == 0 || all.Count >= total)
            {
                break;
            }
        }

        return all;
    }

    /// <summary>WeChat's answer when a comment already has a reply.</summary>
    private const int AlreadyReplied = 88005;

    /// <summary>Piazza sends one article per mass send: its comments are those of index 0.</summary>
    private const int ArticleIndex = 0;

    private async Task<BulletinCommentView> SetShownAsync(Guid postId, long commentId, bool shown, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsApprove);
        var comment = await FindAsync(postId, commentId, ct);
        var account = await AccountAsync(comment.ChannelId, ct);
        try
        {
            await api.ElectCommentAsync(account, comment.ArticleId, comment.ArticleIndex, comment.PlatformCommentId, shown, ct);
        }
        catch (WeChatException e)
        {
            throw Refused(shown ? "WeChat refused to show the comment." : "WeChat refused to hide the comment.", e);
        }

        comment.Shown = shown;
        comment.Hidden = !shown;
        ctx.Audit.Record(shown ? "comment.shown" : "comment.hidden", "comment", Id(comment), $"bulletin {comment.PostId}");
        await SaveAsync(ct);
        return View(comment, null);
    }

    private async Task<CommentReading> ReadChannelsAsync(List<WeChatMassSend> sends, CancellationToken ct)
    {
        var problems = new List<string>();
        int articles = 0, seen = 0, added = 0, changed = 0;
        foreach (var channelId in sends.Select(m => m.ChannelId).Distinct())
        {
            var snapshot = await engine.LoadChannelAsync(ctx.Db, channelId, ct);
            if (snapshot is null || snapshot.Account.OrganizationId != ctx.OrganizationId)
            {
                continue;
            }

            if (!snapshot.Enabled)
            {
                problems.Add($"{snapshot.Account.Name}: the channel is disabled.");
                continue;
            }

            var reading = await ReadAsync(ctx.Db, api, gate, snapshot.Account, sends, ctx.Now, logger, background: false, ct);
            articles += reading.Articles;
            seen += reading.Comments;
            added += reading.Added;
            changed += reading.Changed;
            problems.AddRange(reading.Problems.Select(p => $"{snapshot.Account.Name}: {p}"));
        }

        return new CommentReading(articles, seen, added, changed, problems);
    }

    private Task<JsonNode?> DeleteReplyAsync(ChannelAccount account, BulletinComment comment, CancellationToken ct) =>
        api.CallAsync(account, "comment/reply/delete", new JsonObject
        {
            ["msg_data_id"] = Number(comment.ArticleId),
            ["index"] = comment.ArticleIndex,
            ["user_comment_id"] = Number(comment.PlatformCommentId),
        }, ct);

    /// <summary>WeChat's ids are numbers; Piazza keeps them as text.</summary>
    private static JsonValue Number(string id) =>
        long.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n) : JsonValue.Create(id);

    private async Task SaveAsync(CancellationToken ct)
    {
        using var entered = await gate.EnterAsync(!ctx.Db.Database.IsNpgsql(), ct);
        await ctx.Db.SaveChangesAsync(ct);
    }

    private async Task RequirePostAsync(Guid postId, CancellationToken ct)
    {
        if (!await ctx.Db.Posts.AnyAsync(p => p.Id == postId, ct))
        {
            throw new NotFoundException("bulletin", postId.ToString());
        }
    }

    /// <summary>The comment, if it is one of the bulletin's (and so of the organization's).</summary>
    private async Task<BulletinComment> FindAsync(Guid postId, long commentId, CancellationToken ct) =>
        await ctx.Db.BulletinComments.FirstOrDefaultAsync(c => c.Id == commentId && c.PostId == postId, ct)
        ?? throw new NotFoundException("comment", commentId.ToString(CultureInfo.InvariantCulture));

    private async Task<ChannelAccount> AccountAsync(Guid channelId, CancellationToken ct)
    {
        var snapshot = await engine.LoadChannelAsync(ctx.Db, channelId, ct);
        if (snapshot is null || snapshot.Account.OrganizationId != ctx.OrganizationId)
        {
            throw new NotFoundException("channel", channelId.ToString());
        }

        return snapshot.Enabled ? snapshot.Account : throw new ConflictException("The channel is disabled: enable it to act on its comments.");
    }

    private static ConflictException Refused(string message, WeChatException e) => Campaigns.FlyerCampaignService.Refused(message, e);

    private static string Id(BulletinComment c) => c.Id.ToString(CultureInfo.InvariantCulture);

    private static BulletinCommentView View(BulletinComment c, Dictionary<(Guid, string), DateTime>? lastRead) => new(
        c.Id, c.PostId, c.ChannelId, c.ArticleId, c.ArticleIndex, SubscriberService.Mask(ChannelKind.WeChat, c.Author), c.Text, c.WrittenAt,
        c.Shown, c.Hidden, c.Reply, c.RepliedAt, c.RepliedBy, c.ReadAt,
        lastRead is not null && lastRead.TryGetValue((c.ChannelId, c.ArticleId), out var read) && c.ReadAt < read);

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}
