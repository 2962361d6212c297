using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Common;
using Piazza.Staff;
using Piazza.Subscribers;

namespace Piazza.Posts;

/// <summary>
/// The bulletin workflow: draft → sent for translation → each translation reviewed by a translator of its language →
/// approved by an approver who is not the author → scheduled (now or later) → sending → sent / partly failed /
/// cancelled. Every transition is recorded in the bulletin's history and the audit log. Editing an approved bulletin
/// sends it back to review.
/// </summary>
public sealed class PostService(
    ServiceContext ctx, ChannelCatalog catalog, ChannelAdapters adapters, BroadcastSignals signals, EngineData engine, SqliteWriteGate gate, IEnumerable<IChannelQuota> quotas)
{
    public const int MaxTitle = 200;
    public const int MaxMarkdown = 20_000;

    private static readonly PostState[] Editable = [PostState.Draft, PostState.InTranslation, PostState.InReview, PostState.Approved, PostState.Scheduled];

    // ---------------------------------------------------------------------------------------------- reading

    public async Task<Page<BulletinSummary>> ListAsync(PostState? state, Paging paging, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsRead);
        paging = paging.Clamp();
        var q = ctx.Db.Posts.AsNoTracking();
        if (state is { } s)
        {
            q = q.Where(p => p.State == s);
        }

        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(p => p.UpdatedAt).Skip(paging.Skip).Take(paging.Take)
            .Include(p => p.Bodies).Include(p => p.Channels).ToListAsync(ct);
        var order = await LanguageOrderAsync(ct);
        return new Page<BulletinSummary>(rows.Select(p => new BulletinSummary(
            p.Id, TitleOf(p, order), p.TopicId, p.Priority, p.State, p.Channels.Select(c => c.ChannelId).ToList(), Ordered(p.Bodies, order).Select(b => b.Language).ToList(),
            p.AuthorName, p.UpdatedAt, p.ScheduledFor, p.ReleasedAt)).ToList(), total, paging.Skip, paging.Take);
    }

    public async Task<BulletinView> GetAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsRead);
        var post = await FindAsync(id, ct, tracking: false);
        return await ViewAsync(post, ct);
    }

    /// <summary>Where the sending stands: deliveries by state, in all and per channel.</summary>
    public async Task<BulletinProgress> GetProgressAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsRead);
        var post = await ctx.Db.Posts.AsNoTracking().Where(p => p.Id == id).Select(p => new { p.Id, p.State, p.Priority }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("bulletin", id.ToString());
        var rows = await ctx.Db.Deliveries.IgnoreQueryFilters().Where(d => d.PostId == post.Id)
            .GroupBy(d => new { d.ChannelId, d.State }).Select(g => new { g.Key.ChannelId, g.Key.State, Count = g.Count() }).ToListAsync(ct);
        var channelIds = rows.Select(r => r.ChannelId).Distinct().ToList();
        var channels = await ctx.Db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var perChannel = rows.GroupBy(r => r.ChannelId)
            .Select(g => new ChannelProgress(
                g.Key, channels.TryGetValue(g.Key, out var c) ? c.Name : "?", channels.TryGetValue(g.Key, out var k) ? k.Kind : ChannelKind.Web,
                DeliveryCounts.From(g.ToDictionary(r => r.State, r => r.Count))))
            .OrderBy(c => c.Name, StringComparer.CurrentCulture).ToList();
        var all = rows.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Sum(r => r.Count));
        var counts = DeliveryCounts.From(all);

        // Queued but nothing in flight: say when the next message is due, so that a pause (service hours, quiet
        // hours, a retry) does not look like a stuck sending.
        DateTime? waitingUntil = null;
        if (post.State == PostState.Sending && counts.Queued > 0 && counts.Sending == 0)
        {
            var store = new DeliveryStore(ctx.Db);
            foreach (var c in perChannel.Where(c => c.Counts.Queued > 0))
            {
                var due = await store.NextDueOfPostAsync(post.Id, c.ChannelId, post.Priority, ct);
                waitingUntil = due is { } d && (waitingUntil is null || d < waitingUntil) ? d : waitingUntil;
            }

            waitingUntil = waitingUntil > ctx.Now ? waitingUntil : null;
        }

        return new BulletinProgress(post.Id, post.State, counts, perChannel, ctx.Now, waitingUntil);
    }

    /// <summary>One page of a bulletin's deliveries (addresses masked), optionally of one state.</summary>
    public async Task<Page<DeliveryView>> ListDeliveriesAsync(Guid id, DeliveryState? state, Paging paging, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsRead);
        paging = paging.Clamp();
        _ = await ctx.Db.Posts.AsNoTracking().Where(p => p.Id == id).Select(p => p.Id).FirstOrDefaultAsync(ct) is { } found && found != Guid.Empty
            ? found : throw new NotFoundException("bulletin", id.ToString());
        var q = ctx.Db.Deliveries.IgnoreQueryFilters().AsNoTracking().Where(d => d.PostId == id);
        if (state is { } s)
        {
            q = q.Where(d => d.State == s);
        }

        var total = await q.CountAsync(ct);
        var rows = await q.OrderBy(d => d.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(ct);
        var subscriberIds = rows.Where(r => r.SubscriberId != 0).Select(r => r.SubscriberId).Distinct().ToList();
        var addresses = await ctx.Db.Subscribers.AsNoTracking().Where(x => subscriberIds.Contains(x.Id))
            .Select(x => new { x.Id, x.Address, x.ChannelId }).ToListAsync(ct);
        var kinds = await ctx.Db.Channels.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Kind, ct);
        var masked = addresses.ToDictionary(a => a.Id, a => SubscriberService.Mask(kinds.GetValueOrDefault(a.ChannelId), a.Address));
        return new Page<DeliveryView>(rows.Select(d => new DeliveryView(
            d.Id, d.ChannelId, d.SubscriberId, d.SubscriberId == 0 ? null : masked.GetValueOrDefault(d.SubscriberId), d.Language, d.State, d.Attempts,
            d.SentAt, d.DeliveredAt, d.ReadAt, d.Error)).ToList(), total, paging.Skip, paging.Take);
    }

    /// <summary>Who a bulletin of this topic would reach now on each channel, by first language.</summary>
    public async Task<IReadOnlyList<AudienceEstimate>> EstimateAudienceAsync(Guid? topicId, PostAudience audience, IReadOnlyList<Guid> channelIds, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsRead);
        var channels = await ctx.Db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToListAsync(ct);
        var result = new List<AudienceEstimate>();
        foreach (var channel in channels.OrderBy(c => c.Name, StringComparer.CurrentCulture))
        {
            var q = ctx.Db.Subscribers.AsNoTracking().Where(s => s.ChannelId == channel.Id && s.Status == SubscriberStatus.Active);
            if (audience == PostAudience.TopicSubscribers && topicId is { } topic)
            {
                q = q.Where(s => s.Topics.Any(t => t.TopicId == topic));
            }

            var byLanguage = await q.GroupBy(s => s.Language).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
            result.Add(new AudienceEstimate(channel.Id, byLanguage.Values.Sum(), IsWholeChannel(channel), byLanguage));
        }

        return result;
    }

    // ---------------------------------------------------------------------------------------------- writing

    public async Task<BulletinView> CreateAsync(BulletinInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsWrite);
        var post = new Post
        {
            Id = Guid.NewGuid(),
            State = PostState.Draft,
            AuthorId = ActorGuid(),
            AuthorName = Truncate(ctx.Actor.Name, 256),
            CreatedAt = ctx.Now,
            UpdatedAt = ctx.Now,
        };
        await ApplyAsync(post, input, isNew: true, ct);
        ctx.Db.Posts.Add(post);
        AddHistory(post, PostState.Draft, PostState.Draft, "Created.");
        ctx.Audit.Record("bulletin.created", "bulletin", post.Id.ToString(), $"{post.Priority} bulletin, {post.Bodies.Count} language(s)");
        await ctx.Db.SaveChangesAsync(ct);
        return await GetAsync(post.Id, ct);
    }

    /// <summary>Changes topic, priority, audience, channels and texts. After approval this sends the bulletin back to review.</summary>
    public async Task<BulletinView> UpdateAsync(Guid id, BulletinInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsWrite);
        var post = await FindAsync(id, ct);
        RequireEditable(post);
        await ApplyAsync(post, input, isNew: false, ct);
        await AfterEditAsync(post, ct);
        ctx.Audit.Record("bulletin.updated", "bulletin", post.Id.ToString());
        await SaveAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>Writes the text of one language. Translators write only the languages of their roles; editors any.</summary>
    public async Task<BulletinView> SaveBodyAsync(Guid id, string language, BodyInput input, CancellationToken ct)
    {
        var tag = Rules.NormalizeLanguageTag(language ?? string.Empty);
        if (!ctx.Actor.HasScope(Scopes.BulletinsWrite))
        {
            ctx.Require(Scopes.BulletinsTranslate);
            if (!await TranslatesAsync(tag, ct))
            {
                throw new ForbiddenException($"You do not translate into '{tag}'.");
            }
        }

        var post = await FindAsync(id, ct);
        RequireEditable(post);
        var order = await LanguageOrderAsync(ct);
        var v = new Validation().When(!order.Contains(tag, StringComparer.Ordinal), "language", "This language is not one of the organization's languages.");
        v.ThrowIfInvalid();
        ApplyBody(post, tag, input, order[0], v);
        v.ThrowIfInvalid();
        await AfterEditAsync(post, ct);
        ctx.Audit.Record("bulletin.text-saved", "bulletin", post.Id.ToString(), tag);
        await SaveAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>Sends a draft for translation: translators of the other languages write and review their text. When no
    /// translation is needed it goes straight to approval.</summary>
    public async Task<BulletinView> SubmitAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsWrite);
        var post = await FindAsync(id, ct);
        if (post.State != PostState.Draft)
        {
            throw new ConflictException("Only a draft can be sent for translation.");
        }

        var order = await LanguageOrderAsync(ct);
        var source = post.Bodies.FirstOrDefault(b => b.Language == order[0]);
        var v = new Validation()
            .When(source is null || string.IsNullOrWhiteSpace(source.Title), $"bodies.{order[0]}.title", "A title is required.")
            .When(source is null || string.IsNullOrWhiteSpace(source.Markdown), $"bodies.{order[0]}.markdown", "The text is required.")
            .When(post.Channels.Count == 0, "channelIds", "Choose at least one channel.");
        v.ThrowIfInvalid();
        Move(post, PostState.InTranslation, "Sent for translation.");
        await AdvanceAsync(post, ct);
        ctx.Audit.Record("bulletin.submitted", "bulletin", post.Id.ToString());
        await SaveAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>A translator of the language confirms its text.</summary>
    public async Task<BulletinView> ReviewAsync(Guid id, string language, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsTranslate);
        var tag = Rules.NormalizeLanguageTag(language ?? string.Empty);
        if (!await TranslatesAsync(tag, ct))
        {
            throw new ForbiddenException($"Only a translator into '{tag}' can review this text.");
        }

        var post = await FindAsync(id, ct);
        if (post.State is not (PostState.InTranslation or PostState.InReview))
        {
            throw new ConflictException("Translations are reviewed once the bulletin is sent for translation and before it is approved.");
        }

        var order = await LanguageOrderAsync(ct);
        var body = post.Bodies.FirstOrDefault(b => b.Language == tag);
        var v = new Validation()
            .When(tag == order[0], "language", "The text in the first language is the author's: it is approved, not reviewed.")
            .When(body is null || string.IsNullOrWhiteSpace(body.Title) || string.IsNullOrWhiteSpace(body.Markdown), "bodies." + tag, "There is no text to review in this language.");
        v.ThrowIfInvalid();
        body!.ReviewedById = ActorGuid();
        body.ReviewedAt = ctx.Now;
        AddHistory(post, post.State, post.State, $"Translation {tag} reviewed.");
        await AdvanceAsync(post, ct);
        ctx.Audit.Record("bulletin.translation-reviewed", "bulletin", post.Id.ToString(), tag);
        await SaveAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>Approves and schedules (now when <see cref="ApprovalInput.SendAt"/> is null or past). Refused to the
    /// author, and while a language a channel needs is missing or unreviewed.</summary>
    public async Task<BulletinView> ApproveAsync(Guid id, ApprovalInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsApprove);
        var post = await FindAsync(id, ct);
        var blockers = await BlockersAsync(post, forActor: true, ct);
        if (input.SendAt is { } at && at.ToUniversalTime() > ctx.Now.AddYears(1))
        {
            blockers["sendAt"] = ["A bulletin can be scheduled at most a year ahead."];
        }

        if (blockers.Count > 0)
        {
            throw new ValidationFailedException(blockers);
        }

        var sendAt = input.SendAt is { } when && when.ToUniversalTime() > ctx.Now ? when.ToUniversalTime() : ctx.Now;
        post.ApproverId = ActorGuid();
        post.ScheduledFor = sendAt;
        var warnings = post.Priority == PostPriority.Emergency
            ? string.Concat((await QuotasAsync(post, ct)).Where(q => q.Exceeded).Select(q => " Warning: " + q.Summary))
            : string.Empty;
        Move(post, PostState.Approved, post.Priority == PostPriority.Emergency
            ? Truncate("Approved as an emergency: the monthly cap, service hours and quiet hours do not apply." + warnings, 1000)
            : "Approved.");
        if (warnings.Length > 0)
        {
            ctx.Audit.Record("bulletin.quota-warning", "bulletin", post.Id.ToString(), Truncate(warnings.Trim(), 1000));
        }

        Move(post, PostState.Scheduled, sendAt <= ctx.Now ? "To be sent now." : "To be sent at " + sendAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC.");
        ctx.Audit.Record("bulletin.approved", "bulletin", post.Id.ToString(), $"{post.Priority}; send at {sendAt:O}");
        await SaveAsync(ct);
        signals.ReleaseRequested();
        return await GetAsync(id, ct);
    }

    /// <summary>Sets until when a bulletin is current, in any state (an alert that is over ends now; its emergency leaves the
    /// top of the public site). Its author's editors and approvers may; recorded in its history and the audit.</summary>
    public async Task<BulletinView> SetExpiryAsync(Guid id, ExpiryInput input, CancellationToken ct)
    {
        if (!ctx.Actor.HasScope(Scopes.BulletinsApprove))
        {
            ctx.Require(Scopes.BulletinsWrite);
        }

        var post = await FindAsync(id, ct);
        var expiresAt = input.ExpiresAt?.ToUniversalTime();
        if (expiresAt > ctx.Now.AddYears(1))
        {
            throw ValidationFailedException.For("expiresAt", "The end of validity can be at most a year ahead.");
        }

        if (expiresAt < ctx.Now)
        {
            expiresAt = ctx.Now;
        }

        post.ExpiresAt = expiresAt;
        var note = expiresAt is null
            ? "No end of validity."
            : expiresAt <= ctx.Now ? "Ended now: no longer current." : "Current until " + expiresAt.Value.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC.";
        AddHistory(post, post.State, post.State, note);
        ctx.Audit.Record("bulletin.expiry", "bulletin", post.Id.ToString(), note);
        await SaveAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>Withdraws a bulletin. While it is sending, what is still queued is cancelled (messages already handed
    /// to a platform cannot be recalled).</summary>
    public async Task<BulletinView> CancelAsync(Guid id, NoteInput input, CancellationToken ct)
    {
        if (!ctx.Actor.HasScope(Scopes.BulletinsApprove))
        {
            ctx.Require(Scopes.BulletinsWrite);
        }

        var post = await FindAsync(id, ct);
        if (post.State is PostState.Sent or PostState.PartlyFailed or PostState.Cancelled)
        {
            throw new ConflictException("This bulletin has already been sent or cancelled.");
        }

        var note = Rules.Clean(input.Note);
        new Validation().When(note is { Length: > 500 }, "note", "At most 500 characters.").ThrowIfInvalid();
        await using var tx = await ctx.Db.Database.BeginTransactionAsync(ct);
        var cancelled = 0;
        if (post.State == PostState.Sending)
        {
            cancelled = await ctx.Db.Deliveries.IgnoreQueryFilters().Where(d => d.PostId == post.Id && d.State == DeliveryState.Queued)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.State, DeliveryState.Cancelled).SetProperty(d => d.Error, "The bulletin was cancelled."), ct);
        }

        post.FinishedAt = post.State == PostState.Sending ? ctx.Now : null;
        Move(post, PostState.Cancelled, (cancelled > 0 ? $"{cancelled} queued messages cancelled. " : string.Empty) + (note ?? string.Empty));
        ctx.Audit.Record("bulletin.cancelled", "bulletin", post.Id.ToString(), note);
        await SaveAsync(ct);
        await tx.CommitAsync(ct);
        engine.Forget(post.Id);
        return await GetAsync(id, ct);
    }

    /// <summary>Sends a bulletin back to its author (before it is released), with a note.</summary>
    public async Task<BulletinView> SendBackAsync(Guid id, NoteInput input, CancellationToken ct)
    {
        if (!ctx.Actor.HasScope(Scopes.BulletinsApprove))
        {
            ctx.Require(Scopes.BulletinsWrite);
        }

        var post = await FindAsync(id, ct);
        if (post.State is not (PostState.InTranslation or PostState.InReview or PostState.Approved or PostState.Scheduled))
        {
            throw new ConflictException("Only a bulletin in translation, waiting for approval or scheduled can be sent back.");
        }

        var note = Rules.Clean(input.Note);
        new Validation().When(note is { Length: > 500 }, "note", "At most 500 characters.").ThrowIfInvalid();
        post.ApproverId = null;
        post.ScheduledFor = null;
        Move(post, PostState.Draft, "Sent back to the author. " + (note ?? string.Empty));
        ctx.Audit.Record("bulletin.sent-back", "bulletin", post.Id.ToString(), note);
        await SaveAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>Deletes a draft that was never sent for translation.</summary>
    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.BulletinsWrite);
        var post = await FindAsync(id, ct);
        if (post.State != PostState.Draft || post.History.Any(h => h.To != PostState.Draft))
        {
            throw new ConflictException("Only a draft that was never sent for translation can be deleted; cancel the others.");
        }

        ctx.Db.Posts.Remove(post);
        ctx.Audit.Record("bulletin.deleted", "bulletin", post.Id.ToString());
        await SaveAsync(ct);
    }

    // ---------------------------------------------------------------------------------------------- rules

    /// <summary>What stops the approval now (field → messages). With <paramref name="forActor"/>, also who may approve.</summary>
    public async Task<Dictionary<string, string[]>> BlockersAsync(Post post, bool forActor, CancellationToken ct)
    {
        var v = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!v.TryGetValue(field, out var list))
            {
                v[field] = list = [];
            }

            list.Add(message);
        }

        if (post.State != PostState.InReview)
        {
            Add("state", post.State switch
            {
                PostState.Draft => "Send the bulletin for translation first.",
                PostState.InTranslation => "Translations are still missing or not reviewed.",
                _ => "Only a bulletin waiting for approval can be approved.",
            });
        }

        if (forActor && post.AuthorId != Guid.Empty && post.AuthorId == ActorGuid())
        {
            Add("approver", "You wrote this bulletin: another approver must approve it.");
        }

        var (required, problems) = await TranslationProblemsAsync(post, ct);
        foreach (var (field, message) in problems)
        {
            Add(field, message);
        }

        if (post.Channels.Count == 0)
        {
            Add("channelIds", "Choose at least one channel.");
        }

        var ids = post.Channels.Select(c => c.ChannelId).ToList();
        foreach (var channel in await ctx.Db.Channels.AsNoTracking().Where(c => ids.Contains(c.Id)).ToListAsync(ct))
        {
            if (!channel.IsEnabled)
            {
                Add("channelIds." + channel.Id, "This channel is disabled.");
            }
            else if (adapters.For(channel.Kind, channel.IsSandbox) is null)
            {
                Add("channelIds." + channel.Id, "Piazza cannot send on this platform yet: use its sandbox channel.");
            }
            else if (!channel.IsSandbox && catalog.Find(channel.Kind) is { } definition
                && definition.SendingProblem(JsonSerializer.Deserialize<Dictionary<string, string>>(channel.SettingsJson) ?? [], BulletinLanguages(post)) is { } problem)
            {
                Add("channelIds." + channel.Id, problem);
            }
            else if (post.Priority != PostPriority.Emergency && await QuotaAsync(channel, post, ct) is { Exceeded: true })
            {
                Add("channelIds." + channel.Id, "A routine bulletin cannot go beyond the platform's quota.");
            }
        }

        var topicKey = await ctx.Db.Topics.AsNoTracking().Where(t => t.Id == post.TopicId).Select(t => t.Key).FirstOrDefaultAsync(ct);
        foreach (var (field, message) in await ThematicProblemsAsync(topicKey, ids, byIndex: false, ct))
        {
            Add(field, message);
        }

        _ = required;
        return v.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>A thematic channel (setting "topics", <see cref="ChannelTopics"/>) takes only bulletins of its topics: the
    /// channels that would not take <paramref name="topicKey"/>, as <c>channelIds[i]</c> (the input's order) or
    /// <c>channelIds.{id}</c>.</summary>
    private async Task<List<(string Field, string Message)>> ThematicProblemsAsync(string? topicKey, List<Guid> channelIds, bool byIndex, CancellationToken ct)
    {
        var problems = new List<(string Field, string Message)>();
        if (topicKey is null || channelIds.Count == 0)
        {
            return problems;
        }

        var settings = await ctx.Db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.SettingsJson, ct);
        for (var i = 0; i < channelIds.Count; i++)
        {
            if (settings.TryGetValue(channelIds[i], out var json) && !ChannelTopics.Takes(ChannelTopics.OfJson(json), topicKey))
            {
                problems.Add((byIndex ? $"channelIds[{i}]" : $"channelIds.{channelIds[i]}", "This thematic channel publishes other topics: choose one of its topics or another channel."));
            }
        }

        return problems;
    }

    /// <summary>The platform's quota for the bulletin on a channel, when the platform has one.</summary>
    private async Task<QuotaCheck?> QuotaAsync(Channel channel, Post post, CancellationToken ct) =>
        channel.IsEnabled && quotas.FirstOrDefault(q => q.Kind == channel.Kind) is { } quota ? await quota.CheckAsync(ctx.Db, channel, post, ct) : null;

    /// <summary>The quota checks of the bulletin's channels (shown before approval).</summary>
    private async Task<List<QuotaCheck>> QuotasAsync(Post post, CancellationToken ct)
    {
        var result = new List<QuotaCheck>();
        if (post.State is PostState.Sending or PostState.Sent or PostState.PartlyFailed or PostState.Cancelled)
        {
            return result;
        }

        var ids = post.Channels.Select(c => c.ChannelId).ToList();
        foreach (var channel in await ctx.Db.Channels.AsNoTracking().Where(c => ids.Contains(c.Id)).OrderBy(c => c.Name).ToListAsync(ct))
        {
            if (await QuotaAsync(channel, post, ct) is { } check)
            {
                result.Add(check);
            }
        }

        return result;
    }

    private static List<string> BulletinLanguages(Post post) =>
        post.Bodies.Where(b => !string.IsNullOrWhiteSpace(b.Markdown) || !string.IsNullOrWhiteSpace(b.Title)).Select(b => b.Language).ToList();

    /// <summary>The languages the bulletin must have, and what is missing or unreviewed among its texts.</summary>
    private async Task<(List<string> Required, List<(string Field, string Message)> Problems)> TranslationProblemsAsync(Post post, CancellationToken ct)
    {
        var order = await LanguageOrderAsync(ct);
        var required = await RequiredLanguagesAsync(post, order, ct);
        var problems = new List<(string, string)>();
        foreach (var tag in required)
        {
            var body = post.Bodies.FirstOrDefault(b => b.Language == tag);
            if (body is null || string.IsNullOrWhiteSpace(body.Title) || string.IsNullOrWhiteSpace(body.Markdown))
            {
                problems.Add(("bodies." + tag, tag == order[0] ? "The text in the first language is required." : "A channel of this bulletin needs text in this language."));
            }
        }

        foreach (var body in post.Bodies.Where(b => b.Language != order[0] && b.ReviewedById is null && !string.IsNullOrWhiteSpace(b.Markdown)))
        {
            problems.Add(("bodies." + body.Language, "This translation has not been reviewed yet."));
        }

        return (required, problems);
    }

    private async Task<List<string>> RequiredLanguagesAsync(Post post, List<string> order, CancellationToken ct)
    {
        var ids = post.Channels.Select(c => c.ChannelId).ToList();
        var settings = await ctx.Db.Channels.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => c.SettingsJson).ToListAsync(ct);
        var required = new List<string> { order[0] };
        foreach (var json in settings)
        {
            var s = JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
            if (s.TryGetValue(BroadcastSettings.RequiredLanguages, out var list))
            {
                required.AddRange(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
        }

        return required.Distinct(StringComparer.Ordinal).OrderBy(l => order.IndexOf(l) is var i && i < 0 ? int.MaxValue : i).ToList();
    }

    /// <summary>After a change of text or channels: an approved bulletin goes back to review; reviews follow the text.</summary>
    private async Task AfterEditAsync(Post post, CancellationToken ct)
    {
        post.UpdatedAt = ctx.Now;
        engine.Forget(post.Id);
        if (post.State is PostState.Approved or PostState.Scheduled)
        {
            post.ApproverId = null;
            post.ScheduledFor = null;
            Move(post, PostState.InTranslation, "Edited after approval: back to review.");
        }

        await AdvanceAsync(post, ct);
    }

    /// <summary>Between translation and approval the state follows the texts: waiting for approval once every
    /// required language is there and every translation is reviewed, back in translation otherwise.</summary>
    private async Task AdvanceAsync(Post post, CancellationToken ct)
    {
        if (post.State is not (PostState.InTranslation or PostState.InReview))
        {
            return;
        }

        var (_, problems) = await TranslationProblemsAsync(post, ct);
        if (problems.Count == 0 && post.State == PostState.InTranslation)
        {
            var order = await LanguageOrderAsync(ct);
            Move(post, PostState.InReview, post.Bodies.Any(b => b.Language != order[0])
                ? "Every translation is reviewed: waiting for approval."
                : "No translation is needed: waiting for approval.");
        }
        else if (problems.Count > 0 && post.State == PostState.InReview)
        {
            Move(post, PostState.InTranslation, "A text changed: waiting for translation review.");
        }
    }

    private async Task ApplyAsync(Post post, BulletinInput input, bool isNew, CancellationToken ct)
    {
        var v = new Validation()
            .When(!Enum.IsDefined(input.Priority), "priority", "The priority must be Normal, Urgent or Emergency.")
            .When(!Enum.IsDefined(input.Audience), "audience", "The audience must be TopicSubscribers or Everyone.");
        var expiresAt = input.ExpiresAt?.ToUniversalTime();
        if (expiresAt != post.ExpiresAt)
        {
            v.When(expiresAt <= ctx.Now, "expiresAt", "The end of validity must be in the future.")
             .When(expiresAt > ctx.Now.AddYears(1), "expiresAt", "The end of validity can be at most a year ahead.");
        }

        var topic = input.TopicId is { } topicId ? await ctx.Db.Topics.AsNoTracking().FirstOrDefaultAsync(t => t.Id == topicId, ct) : null;
        v.When(topic is null, "topicId", "Choose one of the organization's topics.");
        v.When(topic is { IsActive: false } && topic.Id != post.TopicId, "topicId", "This topic is no longer active.");

        var channelIds = (input.ChannelIds ?? []).Distinct().ToList();
        var known = await ctx.Db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
        for (var i = 0; i < channelIds.Count; i++)
        {
            v.When(!known.Contains(channelIds[i]), $"channelIds[{i}]", "There is no such channel.");
        }

        foreach (var (field, message) in await ThematicProblemsAsync(topic?.Key, channelIds, byIndex: true, ct))
        {
            v.Add(field, message);
        }

        var order = await LanguageOrderAsync(ct);
        foreach (var (language, body) in input.Bodies ?? new Dictionary<string, BodyInput>())
        {
            var tag = Rules.NormalizeLanguageTag(language);
            if (!order.Contains(tag, StringComparer.Ordinal))
            {
                v.Add("bodies." + language, "This language is not one of the organization's languages.");
                continue;
            }

            ApplyBody(post, tag, body, order[0], v);
        }

        if (isNew && (input.Bodies is null || input.Bodies.Count == 0))
        {
            v.Add($"bodies.{order[0]}.title", "A title is required.");
        }

        v.ThrowIfInvalid();
        if (post.TopicId != topic!.Id || post.Priority != input.Priority || post.Audience != input.Audience)
        {
            post.TopicId = topic.Id;
            post.OfficeId = topic.OfficeId;
            post.Priority = input.Priority;
            post.Audience = input.Audience;
        }

        post.ExpiresAt = expiresAt;
        post.Channels.RemoveAll(c => !channelIds.Contains(c.ChannelId));
        post.Channels.AddRange(channelIds.Where(c => !post.Channels.Any(x => x.ChannelId == c))
            .Select(c => new PostChannel { PostId = post.Id, ChannelId = c, OrganizationId = ctx.OrganizationId }));
    }

    /// <summary>Sets one language's text; a change clears that translation's review, and a change of the source text
    /// clears every review (the translations must be checked against the new text).</summary>
    private void ApplyBody(Post post, string tag, BodyInput input, string sourceLanguage, Validation v)
    {
        var title = Rules.Clean(input.Title) ?? string.Empty;
        var markdown = (input.Markdown ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        v.When(title.Length > MaxTitle, $"bodies.{tag}.title", "The title is longer than 200 characters.")
         .When(markdown.Length > MaxMarkdown, $"bodies.{tag}.markdown", "The text is longer than 20,000 characters.")
         .When(title.Length == 0 && markdown.Length > 0, $"bodies.{tag}.title", "A title is required.")
         .When(tag == sourceLanguage && title.Length == 0 && markdown.Length == 0, $"bodies.{tag}.title", "The text in the first language is required.");
        if (!v.IsValid)
        {
            return;
        }

        var body = post.Bodies.FirstOrDefault(b => b.Language == tag);
        if (title.Length == 0 && markdown.Length == 0)
        {
            if (body is not null)
            {
                post.Bodies.Remove(body);
                ctx.Db.PostBodies.Remove(body);
            }

            return;
        }

        if (body is null)
        {
            body = new PostBody { Language = tag, Title = title, Markdown = markdown, PostId = post.Id, OrganizationId = ctx.OrganizationId, UpdatedAt = ctx.Now };
            post.Bodies.Add(body);
        }
        else if (body.Title == title && body.Markdown == markdown)
        {
            return;
        }

        body.Title = title;
        body.Markdown = markdown;
        body.UpdatedAt = ctx.Now;
        body.TranslatedById = tag == sourceLanguage ? null : ActorGuid();
        body.ReviewedById = null;
        body.ReviewedAt = null;
        if (tag == sourceLanguage)
        {
            foreach (var other in post.Bodies.Where(b => b.Language != sourceLanguage))
            {
                other.ReviewedById = null;
                other.ReviewedAt = null;
            }
        }
    }

    private static void RequireEditable(Post post)
    {
        if (!Editable.Contains(post.State))
        {
            throw new ConflictException("A bulletin that is sending, sent or cancelled cannot be changed.");
        }
    }

    private async Task<bool> TranslatesAsync(string tag, CancellationToken ct)
    {
        if (ctx.Actor.UserId is not { } userId)
        {
            return ctx.Actor.HasScope(Scopes.BulletinsTranslate); // API keys and the system: the scope is enough
        }

        return await ctx.Db.RoleAssignments.AsNoTracking().AnyAsync(r => r.UserId == userId && r.Role == StaffRole.Translator && r.Language == tag, ct);
    }

    private void Move(Post post, PostState to, string? note)
    {
        AddHistory(post, post.State, to, note);
        post.State = to;
        post.UpdatedAt = ctx.Now;
    }

    private void AddHistory(Post post, PostState from, PostState to, string? note) =>
        post.History.Add(new PostStateChange
        {
            OrganizationId = ctx.OrganizationId, PostId = post.Id, From = from, To = to, At = ctx.Now,
            ByUserId = ctx.Actor.UserId, ByName = Truncate(ctx.Actor.Name, 256), Note = string.IsNullOrWhiteSpace(note) ? null : Truncate(note.Trim(), 1000),
        });

    private async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            // On SQLite, queue with the broadcast engine's writers rather than sleep in SQLite's busy handler: while a
            // broadcast runs, an approval (an emergency) would otherwise wait for the lock for up to a second.
            using var entered = await gate.EnterAsync(!ctx.Db.Database.IsNpgsql(), ct);
            await ctx.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConflictException("Someone else changed this bulletin at the same time: reload it and try again.");
        }
    }

    private Guid ActorGuid() => Guid.TryParse(ctx.Actor.Id, out var g) ? g : Guid.Empty;

    private async Task<Post> FindAsync(Guid id, CancellationToken ct, bool tracking = true)
    {
        var q = ctx.Db.Posts.Include(p => p.Bodies).Include(p => p.Channels).Include(p => p.History).AsQueryable();
        if (!tracking)
        {
            q = q.AsNoTracking();
        }

        return await q.FirstOrDefaultAsync(p => p.Id == id, ct) ?? throw new NotFoundException("bulletin", id.ToString());
    }

    private async Task<BulletinView> ViewAsync(Post post, CancellationToken ct)
    {
        var order = await LanguageOrderAsync(ct);
        var required = await RequiredLanguagesAsync(post, order, ct);
        var blockers = await BlockersAsync(post, forActor: false, ct);
        var reviewers = post.Bodies.Where(b => b.ReviewedById is not null).Select(b => b.ReviewedById!.Value).Distinct().ToList();
        var names = await ctx.Db.Users.AsNoTracking().Where(u => reviewers.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
        return new BulletinView(
            post.Id, post.TopicId, post.Priority, post.Audience, post.State, post.Channels.Select(c => c.ChannelId).ToList(), post.AuthorId, post.AuthorName,
            post.ScheduledFor, post.ReleasedAt, post.FinishedAt, post.CreatedAt, post.UpdatedAt,
            Ordered(post.Bodies, order).Select(b => new BulletinBodyView(
                b.Language, b.Title, b.Markdown, b.Language == order[0], b.ReviewedById is not null,
                b.ReviewedById is { } r ? names.GetValueOrDefault(r, "API") : null, b.ReviewedAt, b.UpdatedAt)).ToList(),
            required, blockers,
            post.History.OrderBy(h => h.At).ThenBy(h => h.Id).Select(h => new BulletinHistoryView(h.From, h.To, h.ByName, h.At, h.Note)).ToList(),
            await QuotasAsync(post, ct), post.ExpiresAt);
    }

    private bool IsWholeChannel(Channel channel)
    {
        var settings = JsonSerializer.Deserialize<Dictionary<string, string>>(channel.SettingsJson) ?? [];
        return catalog.Find(channel.Kind)?.SendsToWholeChannel(settings) ?? false;
    }

    private async Task<List<string>> LanguageOrderAsync(CancellationToken ct)
    {
        var order = await ctx.Db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
        return order.Count > 0 ? order : ["it"];
    }

    private static IEnumerable<PostBody> Ordered(IEnumerable<PostBody> bodies, IReadOnlyList<string> order) =>
        bodies.OrderBy(b => order.Contains(b.Language) ? order.ToList().IndexOf(b.Language) : int.MaxValue).ThenBy(b => b.Language, StringComparer.Ordinal);

    private static string TitleOf(Post p, IReadOnlyList<string> order) => Ordered(p.Bodies, order).FirstOrDefault()?.Title ?? "—";

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
