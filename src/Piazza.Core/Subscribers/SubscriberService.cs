using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Common;
using Piazza.Data;
using Piazza.Tenancy;

namespace Piazza.Subscribers;

/// <summary>A subscriber without personal data: the address is masked (e.g. "+39•••••4567").</summary>
/// <param name="Id">The subscriber's id.</param>
/// <param name="ChannelId">The channel they subscribed on.</param>
/// <param name="ChannelKind">That channel's platform.</param>
/// <param name="MaskedAddress">The address with most characters hidden.</param>
/// <param name="Languages">Languages in order of preference (BCP 47 tags).</param>
/// <param name="TopicIds">Topics they follow.</param>
/// <param name="Status">Active or Left.</param>
/// <param name="SubscribedAt">When they subscribed (UTC).</param>
/// <param name="LeftAt">When they left, if they did (UTC).</param>
/// <param name="Consent">Their consent record.</param>
public sealed record SubscriberView(
    long Id, Guid ChannelId, ChannelKind ChannelKind, string MaskedAddress, IReadOnlyList<string> Languages, IReadOnlyList<Guid> TopicIds,
    SubscriberStatus Status, DateTime SubscribedAt, DateTime? LeftAt, ConsentView Consent);

/// <summary>How and when a subscriber consented.</summary>
/// <param name="At">When consent was given (UTC).</param>
/// <param name="Method">Keyword (e.g. "ATTIVA ISCRIZIONE"), Follow, WebForm, Import or Staff.</param>
/// <param name="Evidence">What proves it (the message text, the form submission id…).</param>
/// <param name="PolicyVersion">Version of the privacy notice they accepted.</param>
/// <param name="Source">Where they came from (e.g. a flyer's QR campaign).</param>
public sealed record ConsentView(DateTime At, ConsentMethod Method, string? Evidence, string? PolicyVersion, string? Source);

/// <summary>A subscriber's personal data. Every read is written to the audit log.</summary>
/// <param name="Id">The subscriber's id.</param>
/// <param name="Address">The full address on the platform (phone number, WeChat OpenID, Telegram chat id…).</param>
/// <param name="DisplayName">The name they use on the platform, if known.</param>
public sealed record SubscriberPersonalData(long Id, string Address, string? DisplayName);

/// <summary>Filters for the subscriber list.</summary>
/// <param name="ChannelId">Only this channel.</param>
/// <param name="Status">Only this status.</param>
/// <param name="TopicId">Only followers of this topic.</param>
/// <param name="Language">Only those who read this language.</param>
/// <param name="Source">Only those from this source (exact).</param>
/// <param name="Search">Text found in the address or name. Searching personal data needs the subscribers:personal-data permission and is audited.</param>
public sealed record SubscriberFilter(Guid? ChannelId = null, SubscriberStatus? Status = null, Guid? TopicId = null, string? Language = null, string? Source = null, string? Search = null);

/// <summary>A subscriber added by staff (for example from a paper form), with its consent record.</summary>
/// <param name="ChannelId">Required: the channel.</param>
/// <param name="Address">Required: the address on that platform (WhatsApp: E.164 number such as +393331234567).</param>
/// <param name="DisplayName">Optional name.</param>
/// <param name="Languages">Languages in order of preference; default the organization's main language.</param>
/// <param name="TopicIds">Topics followed.</param>
/// <param name="ConsentMethod">How consent was given.</param>
/// <param name="ConsentAt">When; default now.</param>
/// <param name="ConsentEvidence">Required: what proves consent.</param>
/// <param name="PolicyVersion">The version of the channel's policy (privacy notice) accepted; when omitted, the version in
/// force: the channel's latest published policy, else its policyVersion setting (required when it has neither).</param>
/// <param name="Source">Where they came from.</param>
public sealed record SubscriberInput(
    Guid? ChannelId, string? Address, string? DisplayName, IReadOnlyList<string>? Languages, IReadOnlyList<Guid>? TopicIds,
    ConsentMethod ConsentMethod = ConsentMethod.Staff, DateTime? ConsentAt = null, string? ConsentEvidence = null, string? PolicyVersion = null, string? Source = null);

/// <summary>A change to a subscriber's preferences.</summary>
/// <param name="Languages">New languages, or null to keep them.</param>
/// <param name="TopicIds">New topics, or null to keep them.</param>
/// <param name="Status">New status, or null to keep it.</param>
public sealed record SubscriberUpdate(IReadOnlyList<string>? Languages, IReadOnlyList<Guid>? TopicIds, SubscriberStatus? Status);

public sealed partial class SubscriberService(ServiceContext ctx)
{
    public async Task<Page<SubscriberView>> ListAsync(SubscriberFilter filter, Paging paging, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersRead);
        paging = paging.Clamp();
        var q = ctx.Db.Subscribers.AsNoTracking();
        if (filter.ChannelId is { } channelId)
        {
            q = q.Where(s => s.ChannelId == channelId);
        }

        if (filter.Status is { } status)
        {
            q = q.Where(s => s.Status == status);
        }

        if (filter.TopicId is { } topicId)
        {
            q = q.Where(s => s.Topics.Any(t => t.TopicId == topicId));
        }

        if (!string.IsNullOrWhiteSpace(filter.Language))
        {
            var tag = Rules.NormalizeLanguageTag(filter.Language);
            q = q.Where(s => ("," + s.Languages + ",").Contains("," + tag + ","));
        }

        if (!string.IsNullOrWhiteSpace(filter.Source))
        {
            var source = filter.Source.Trim();
            q = q.Where(s => s.Source == source);
        }

        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            ctx.Require(Scopes.SubscribersPersonalData);
            var text = filter.Search.Trim();
            if (text.Length > 100)
            {
                throw ValidationFailedException.For("search", "The search text is longer than 100 characters.");
            }

            var pattern = "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal).ToLowerInvariant() + "%";
#pragma warning disable CA1304, CA1311 // translated to SQL lower()
            q = q.Where(s => EF.Functions.Like(s.Address.ToLower(), pattern, "\\") || (s.DisplayName != null && EF.Functions.Like(s.DisplayName.ToLower(), pattern, "\\")));
#pragma warning restore CA1304, CA1311
            // The searched text is often a phone number: log it masked, as the log must not keep personal data.
            ctx.Audit.Record("personal-data.search", "subscriber", null, "search: " + Mask(ChannelKind.Web, text));
            await ctx.Db.SaveChangesAsync(ct);
        }

        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(s => s.Id).Skip(paging.Skip).Take(paging.Take).Include(s => s.Topics).ToListAsync(ct);
        var kinds = await ctx.Db.Channels.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Kind, ct);
        return new Page<SubscriberView>(rows.Select(s => View(s, kinds.GetValueOrDefault(s.ChannelId))).ToList(), total, paging.Skip, paging.Take);
    }

    public async Task<SubscriberView> GetAsync(long id, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersRead);
        var s = await FindAsync(id, ct);
        return View(s, await KindOfAsync(s.ChannelId, ct));
    }

    /// <summary>The subscriber's address and name. Needs the personal-data permission; the read is audited.</summary>
    public async Task<SubscriberPersonalData> RevealAsync(long id, string purpose, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersPersonalData);
        var s = await FindAsync(id, ct);
        await ctx.Audit.RecordPersonalDataReadAsync("subscriber", id.ToString(System.Globalization.CultureInfo.InvariantCulture), purpose, ct);
        return new SubscriberPersonalData(s.Id, s.Address, s.DisplayName);
    }

    public async Task<SubscriberView> CreateAsync(SubscriberInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersWrite);
        var v = new Validation();
        var channel = input.ChannelId is { } channelId ? await ctx.Db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, ct) : null;
        v.When(channel is null, "channelId", "Choose one of the organization's channels.");
        var address = input.Address?.Trim() ?? string.Empty;
        if (address.Length == 0)
        {
            v.Add("address", "An address is required.");
        }
        else if (channel is not null && AddressProblem(channel.Kind, address) is { } problem)
        {
            v.Add("address", problem);
        }
        else if (channel is not null && await ctx.Db.Subscribers.AnyAsync(s => s.ChannelId == channel.Id && s.Address == address, ct))
        {
            v.Add("address", "This address is already subscribed on this channel.");
        }

        // Without a version given, the consent is to the channel's policy in force (its latest published version, else
        // its policyVersion setting).
        var inForce = channel is null || !string.IsNullOrWhiteSpace(input.PolicyVersion) ? null : await Policies.ChannelPolicyService.VersionInForceAsync(ctx.Db, channel.Id, ct);
        var name = Rules.Clean(input.DisplayName);
        v.When(name is { Length: > 200 }, "displayName", "The name is longer than 200 characters.")
         .When(!Enum.IsDefined(input.ConsentMethod), "consentMethod", "Unknown consent method.")
         .When(string.IsNullOrWhiteSpace(input.ConsentEvidence), "consentEvidence", "Record what proves the subscriber's consent.")
         .When(input.ConsentEvidence is { Length: > 500 }, "consentEvidence", "At most 500 characters.")
         .When(string.IsNullOrWhiteSpace(input.PolicyVersion) && inForce is null, "policyVersion", "Record which version of the privacy notice was accepted.")
         .When(input.PolicyVersion is { Length: > 60 }, "policyVersion", "At most 60 characters.")
         .When(input.Source is { Length: > 200 }, "source", "At most 200 characters.")
         .When(input.ConsentAt is { } at && at.ToUniversalTime() > ctx.Now.AddMinutes(5), "consentAt", "Consent cannot be in the future.");
        var languages = await ValidateLanguagesAsync(input.Languages, v, ct);
        var topics = await ValidateTopicsAsync(input.TopicIds, v, ct);
        v.ThrowIfInvalid();

        var s = new Subscriber
        {
            ChannelId = channel!.Id,
            Address = address,
            DisplayName = string.IsNullOrEmpty(name) ? null : name,
            Status = SubscriberStatus.Active,
            SubscribedAt = ctx.Now,
            ConsentAt = input.ConsentAt?.ToUniversalTime() ?? ctx.Now,
            ConsentMethod = input.ConsentMethod,
            ConsentEvidence = input.ConsentEvidence!.Trim(),
            PolicyVersion = string.IsNullOrWhiteSpace(input.PolicyVersion) ? inForce! : input.PolicyVersion.Trim(),
            Source = Rules.Clean(input.Source),
        };
        s.SetLanguages(languages ?? [await MainLanguageAsync(ct)]);
        s.Topics.AddRange((topics ?? []).Select(t => new SubscriberTopic { TopicId = t, OrganizationId = ctx.OrganizationId }));
        // The id comes from the database: save the row and its audit entry in one transaction.
        await using var tx = await ctx.Db.Database.BeginTransactionAsync(ct);
        ctx.Db.Subscribers.Add(s);
        await ctx.Db.SaveChangesAsync(ct);
        ctx.Audit.Record("subscriber.created", "subscriber", s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{channel.Kind} {Mask(channel.Kind, address)}");
        await ctx.Db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return View(s, channel.Kind);
    }

    public async Task<SubscriberView> UpdateAsync(long id, SubscriberUpdate update, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersWrite);
        var s = await FindAsync(id, ct);
        var v = new Validation().When(update.Status is { } st && !Enum.IsDefined(st), "status", "The status must be Active or Left.");
        var languages = await ValidateLanguagesAsync(update.Languages, v, ct);
        var topics = await ValidateTopicsAsync(update.TopicIds, v, ct);
        v.ThrowIfInvalid();
        if (languages is not null)
        {
            s.SetLanguages(languages);
        }

        if (topics is not null)
        {
            s.Topics.RemoveAll(t => !topics.Contains(t.TopicId));
            s.Topics.AddRange(topics.Where(t => !s.Topics.Any(x => x.TopicId == t)).Select(t => new SubscriberTopic { SubscriberId = s.Id, TopicId = t, OrganizationId = ctx.OrganizationId }));
        }

        var leaving = update.Status == SubscriberStatus.Left && s.Status != SubscriberStatus.Left;
        if (update.Status is { } status && status != s.Status)
        {
            s.Status = status;
            s.LeftAt = status == SubscriberStatus.Left ? ctx.Now : null;
        }

        ctx.Audit.Record("subscriber.updated", "subscriber", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using (var tx = await ctx.Db.Database.BeginTransactionAsync(ct))
        {
            await ctx.Db.SaveChangesAsync(ct);
            if (leaving)
            {
                await CancelQueuedAsync(ctx.Db, id, ct);
            }

            await tx.CommitAsync(ct);
        }

        return View(s, await KindOfAsync(s.ChannelId, ct));
    }

    /// <summary>Opt-out is honoured at once: messages still queued for the subscriber are cancelled in the same
    /// transaction that records the leaving (one already handed to the platform cannot be recalled).</summary>
    public static Task<int> CancelQueuedAsync(PiazzaDb db, long subscriberId, CancellationToken ct) =>
        db.Deliveries.IgnoreQueryFilters().Where(d => d.SubscriberId == subscriberId && d.State == DeliveryState.Queued)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.State, DeliveryState.Cancelled).SetProperty(d => d.Error, "The subscriber left."), ct);

    /// <summary>Unsubscribes people the platform says blocked or left the account (the dispatcher calls this).</summary>
    public static async Task MarkGoneAsync(IServiceScopeFactory scopes, Guid organizationId, IReadOnlyList<long> subscriberIds, string reason, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(organizationId);
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var auditor = new Auditor(db, new SystemActor(), time);
        var now = time.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var s in await db.Subscribers.Where(s => subscriberIds.Contains(s.Id) && s.Status == SubscriberStatus.Active).ToListAsync(ct))
        {
            s.Status = SubscriberStatus.Left;
            s.LeftAt = now;
            auditor.Record("subscriber.left", "subscriber", s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), reason);
            await CancelQueuedAsync(db, s.Id, ct);
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Marks unreachable (unsubscribes, with an audit entry) the subscribers whose last
    /// <paramref name="threshold"/> messages on their channel all failed for good: a number that no longer exists,
    /// or that the platform keeps refusing, is not tried for ever.</summary>
    public static async Task MarkUnreachableAsync(IServiceScopeFactory scopes, IReadOnlyList<long> subscriberIds, int threshold, CancellationToken ct)
    {
        if (threshold <= 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var unreachable = new List<(Guid Org, long Id, string? Error)>();
        foreach (var id in subscriberIds.Distinct())
        {
            var last = await db.Deliveries.IgnoreQueryFilters().Where(d => d.SubscriberId == id && d.State != DeliveryState.Skipped && d.State != DeliveryState.Cancelled)
                .OrderByDescending(d => d.Id).Take(threshold).Select(d => new { d.State, d.Error, d.Post!.OrganizationId }).ToListAsync(ct);
            if (last.Count == threshold && last.All(d => d.State == DeliveryState.Failed))
            {
                unreachable.Add((last[0].OrganizationId, id, last[0].Error));
            }
        }

        foreach (var org in unreachable.GroupBy(u => u.Org))
        {
            var error = org.First().Error;
            await MarkGoneAsync(scopes, org.Key, [.. org.Select(u => u.Id)],
                $"Unreachable: the last {threshold} messages all failed" + (error is null ? "." : $" (last: {error})."), ct);
        }
    }

    /// <summary>Erases the subscriber and their personal data (right to erasure). The audit log keeps only the id.</summary>
    public async Task DeleteAsync(long id, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersWrite);
        var s = await FindAsync(id, ct);
        ctx.Db.Subscribers.Remove(s);
        ctx.Audit.Record("subscriber.erased", "subscriber", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var tx = await ctx.Db.Database.BeginTransactionAsync(ct);
        // Their deliveries go too (they say who got which bulletin); a bulletin's counts shrink accordingly.
        await ctx.Db.Deliveries.IgnoreQueryFilters().Where(d => d.SubscriberId == id).ExecuteDeleteAsync(ct);
        await ctx.Db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Hides most of an address: "+39•••••4567", "oA•••z9".</summary>
    public static string Mask(ChannelKind kind, string address)
    {
        if (address.Length <= 4)
        {
            return "•••";
        }

        var (head, tail) = kind == ChannelKind.WhatsApp && address.StartsWith('+') ? (3, 4) : (2, 2);
        // Short addresses (a +1234567 number, a 5-digit chat id) would show almost everything: hide at least 4 characters.
        if (address.Length - head - tail < 4)
        {
            (head, tail) = (1, 1);
        }

        return address[..head] + "•••••" + address[^tail..];
    }

    /// <summary>Why an address is not valid on a platform, or null.</summary>
    public static string? AddressProblem(ChannelKind kind, string address) => kind switch
    {
        ChannelKind.WhatsApp when !Rules.IsE164(address) => "A WhatsApp address is a phone number in international format, such as +393331234567.",
        ChannelKind.WeChat when !WeChatIdRegex().IsMatch(address) => "A WeChat address is an OpenID: 6 to 64 letters, digits, dashes or underscores.",
        ChannelKind.Telegram when !TelegramIdRegex().IsMatch(address) => "A Telegram address is a numeric chat id.",
        _ when address.Length > 200 => "The address is longer than 200 characters.",
        _ => null,
    };

    private async Task<List<string>?> ValidateLanguagesAsync(IReadOnlyList<string>? input, Validation v, CancellationToken ct)
    {
        if (input is null)
        {
            return null;
        }

        var orgLanguages = await ctx.Db.OrganizationLanguages.AsNoTracking().Select(l => l.Tag).ToListAsync(ct);
        var result = new List<string>();
        for (var i = 0; i < input.Count; i++)
        {
            var tag = Rules.NormalizeLanguageTag(input[i] ?? string.Empty);
            if (!orgLanguages.Contains(tag, StringComparer.Ordinal))
            {
                v.Add($"languages[{i}]", "This language is not one of the organization's languages.");
            }
            else if (!result.Contains(tag, StringComparer.Ordinal))
            {
                result.Add(tag);
            }
        }

        v.When(input.Count == 0, "languages", "At least one language is required.");
        return result;
    }

    private async Task<List<Guid>?> ValidateTopicsAsync(IReadOnlyList<Guid>? input, Validation v, CancellationToken ct)
    {
        if (input is null)
        {
            return null;
        }

        var ids = input.Distinct().ToList();
        var known = await ctx.Db.Topics.AsNoTracking().Where(t => ids.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        for (var i = 0; i < input.Count; i++)
        {
            v.When(!known.Contains(input[i]), $"topicIds[{i}]", "There is no such topic.");
        }

        return ids;
    }

    private async Task<string> MainLanguageAsync(CancellationToken ct) =>
        await ctx.Db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).FirstOrDefaultAsync(ct) ?? "it";

    private async Task<Subscriber> FindAsync(long id, CancellationToken ct) =>
        await ctx.Db.Subscribers.Include(s => s.Topics).FirstOrDefaultAsync(s => s.Id == id, ct)
        ?? throw new NotFoundException("subscriber", id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private async Task<ChannelKind> KindOfAsync(Guid channelId, CancellationToken ct) =>
        await ctx.Db.Channels.AsNoTracking().Where(c => c.Id == channelId).Select(c => c.Kind).FirstAsync(ct);

    private static SubscriberView View(Subscriber s, ChannelKind kind) => new(
        s.Id, s.ChannelId, kind, Mask(kind, s.Address), s.LanguageList, s.Topics.Select(t => t.TopicId).ToList(), s.Status, s.SubscribedAt, s.LeftAt,
        new ConsentView(s.ConsentAt, s.ConsentMethod, s.ConsentEvidence, s.PolicyVersion, s.Source));

    [GeneratedRegex("^[A-Za-z0-9_-]{6,64}$")]
    private static partial Regex WeChatIdRegex();

    [GeneratedRegex("^-?[0-9]{1,20}$")]
    private static partial Regex TelegramIdRegex();
}
