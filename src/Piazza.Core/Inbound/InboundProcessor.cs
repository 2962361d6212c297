using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Data;
using Piazza.Policies;
using Piazza.Subscribers;
using Piazza.Tenancy;

namespace Piazza.Inbound;

/// <summary>Wakes the inbound processor when a webhook stored messages.</summary>
public sealed class InboundSignals : IDisposable
{
    private readonly SemaphoreSlim _arrived = new(0, 1);

    public void Arrived()
    {
        try
        {
            if (_arrived.CurrentCount == 0)
            {
                _arrived.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }

    public async Task WaitAsync(TimeSpan max, TimeProvider time, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(max, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await _arrived.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => _arrived.Dispose();
}

/// <summary>
/// Handles the messages citizens send, after the webhook stored them: the subscribe keyword subscribes (consent recorded
/// with the time, the keyword and the policy version) and answers in the keyword's language with the privacy notice;
/// the unsubscribe keyword unsubscribes at once (queued messages cancelled) and confirms; the topics keyword lists the
/// topics by number and a reply of numbers chooses them. Anything else is kept for the staff, and outside the service
/// hours answered once a day with the out-of-hours reply. Each message is taken by one node (its state changes from
/// Pending first), so a reply is never sent twice; a node that dies in the middle of one leaves it unanswered.
/// </summary>
public sealed class InboundProcessor(
    IServiceScopeFactory scopes, InboundSignals signals, EngineData engine, ChannelAdapters adapters, SqliteWriteGate gate, TimeProvider time, ILogger<InboundProcessor> logger,
    PolicyLinks? policyLinks = null)
    : BackgroundService
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await ProcessPendingAsync(stoppingToken) == 0)
                {
                    await signals.WaitAsync(TimeSpan.FromSeconds(1), time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Handling inbound messages failed; trying again");
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
    }

    /// <summary>Handles the pending messages (oldest first, up to 200); returns how many.</summary>
    public async Task<int> ProcessPendingAsync(CancellationToken ct)
    {
        List<long> pending;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            pending = await db.InboundMessages.IgnoreQueryFilters().Where(m => m.State == InboundState.Pending)
                .OrderBy(m => m.Id).Select(m => m.Id).Take(200).ToListAsync(ct);
        }

        foreach (var id in pending)
        {
            try
            {
                await HandleAsync(id, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Inbound message {Id} could not be handled", id);
            }
        }

        return pending.Count;
    }

    /// <summary>Handles one stored message now (if no node has taken it yet). <paramref name="passive"/> is offered the
    /// replies once the changes are saved: a webhook that can answer in its own response (WeChat's passive reply) takes
    /// them by returning true; otherwise, or when it returns false (it gave up waiting), they are sent through the adapter.</summary>
    public async Task HandleAsync(long id, CancellationToken ct, Func<IReadOnlyList<string>, bool>? passive = null)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();

        // Take it: only one node handles a message.
        if (await db.InboundMessages.IgnoreQueryFilters().Where(m => m.Id == id && m.State == InboundState.Pending)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.State, InboundState.Handled), ct) != 1)
        {
            return;
        }

        var message = await db.InboundMessages.IgnoreQueryFilters().FirstAsync(m => m.Id == id, ct);
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(message.OrganizationId);
        var channel = await engine.LoadChannelAsync(db, message.ChannelId, ct);
        if (channel is null)
        {
            return;
        }

        var org = await db.Organizations.AsNoTracking().Include(o => o.Languages).FirstAsync(ct);
        var orgLanguages = org.Languages.OrderBy(l => l.Position).Select(l => l.Tag).ToList();
        var settings = channel.Account.Settings;
        var now = Now;
        var conversation = new Conversation(adapters, time, logger, policyLinks ?? new PolicyLinks(), db, channel, message, org.Name, orgLanguages, now);
        var subscriber = await db.Subscribers.Include(s => s.Topics)
            .FirstOrDefaultAsync(s => s.ChannelId == message.ChannelId && s.Address == message.Address, ct);
        if (subscriber is not null)
        {
            subscriber.LastInboundAt = message.SentAt > (subscriber.LastInboundAt ?? DateTime.MinValue) ? message.SentAt : subscriber.LastInboundAt;
            message.SubscriberId = subscriber.Id;
        }

        // What the message changes (a subscriber, their topics, the audit, the message's own state) is written at once.
        using var entered = await gate.EnterAsync(!db.Database.IsNpgsql(), ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var match = message.Event is null ? Keywords.Match(message.Text, settings) : new KeywordMatch(InboundKind.Other, null, []);
        var autoReply = message.Event is null ? Keywords.AutoReplyIndex(message.Text, settings) : -1;
        if (match.Language is not null && channel.Account.Kind == ChannelKind.Telegram && AppLanguage(message.EventKey, orgLanguages) is { } appLanguage)
        {
            // Telegram tells the language of the person's app (kept in EventKey): it beats the language of "/start".
            match = match with { Language = appLanguage };
        }

        message.Kind = match.Kind;
        switch (match.Kind)
        {
            case InboundKind.Other when message.Event is "subscribe":
                await conversation.FollowAsync(subscriber, ct);
                break;
            case InboundKind.Other when message.Event is "unsubscribe":
                await conversation.UnfollowAsync(subscriber, ct);
                break;
            case InboundKind.Other when message.Event is "SCAN":
                if (subscriber is { Status: SubscriberStatus.Active })
                {
                    conversation.Scanned(subscriber);
                }
                else
                {
                    await conversation.FollowAsync(subscriber, ct);
                }

                break;
            case InboundKind.Other when message.Event is "CLICK" && message.EventKey is { } key && key.StartsWith(AutoReplyKeyPrefix, StringComparison.Ordinal)
                && int.TryParse(key.AsSpan(AutoReplyKeyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var entry):
                conversation.AutoReply(entry);
                break;
            case InboundKind.Other when message.Event is not null:
                message.Note = $"Event {message.Event}: nothing to do.";
                break;
            case InboundKind.Other when autoReply >= 0:
                conversation.AutoReply(autoReply);
                break;
            case InboundKind.Subscribe:
                await conversation.SubscribeAsync(subscriber, match.Language!, ct, match.Payload);
                break;
            case InboundKind.Unsubscribe:
                await conversation.UnsubscribeAsync(subscriber, match.Language!, ct);
                break;
            case InboundKind.Topics:
                await conversation.TopicsMenuAsync(subscriber, match.Language!, ct);
                break;
            case InboundKind.TopicsChoice when subscriber is { Status: SubscriberStatus.Active }:
                await conversation.ChooseTopicsAsync(subscriber, match.Numbers, ct);
                break;
            default:
                message.Kind = InboundKind.Other;
                await conversation.KeepAsync(subscriber, ct);
                break;
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        entered?.Dispose();
        await conversation.SendRepliesAsync(passive, ct);
    }

    /// <summary>The organization's language matching an app's language code ("en", "pt-br", "zh-hans"): the same tag, else
    /// the same primary language; null when the organization does not publish in it.</summary>
    public static string? AppLanguage(string? code, IReadOnlyList<string> orgLanguages)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var exact = orgLanguages.FirstOrDefault(l => string.Equals(l, code, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }

        var primary = code.Split('-', '_')[0];
        return orgLanguages.FirstOrDefault(l => string.Equals(l.Split('-')[0], primary, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The key of the n-th auto-reply entry in the account's menu (WeChat CLICK buttons).</summary>
    public const string AutoReplyKeyPrefix = "piazza-auto-";

    /// <summary>One message being handled: what it changes, and the replies to send once that is saved.</summary>
    private sealed class Conversation(
        ChannelAdapters adapters, TimeProvider time, ILogger logger, PolicyLinks policyLinks,
        PiazzaDb db, ChannelSnapshot channel, InboundMessage message, string orgName, List<string> orgLanguages, DateTime now)
    {
        private readonly List<string> _replies = [];
        private readonly Auditor _audit = new(db, new SystemActor(), time);

        private IReadOnlyDictionary<string, string> Settings => channel.Account.Settings;

        public async Task SubscribeAsync(Subscriber? subscriber, string keywordLanguage, CancellationToken ct, string? payload = null)
        {
            var language = orgLanguages.Contains(keywordLanguage, StringComparer.Ordinal) ? keywordLanguage : orgLanguages.FirstOrDefault() ?? keywordLanguage;
            var policyVersion = await PolicyVersionAsync(ct);

            // A deep link's payload (Telegram "/start t-acqua_c-flyer1"): one topic, and the flyer the person came from.
            var start = StartPayload.Parse(payload);
            var topic = start?.TopicKey is { } topicKey
                ? await db.Topics.AsNoTracking().FirstOrDefaultAsync(t => t.IsActive && t.Key == topicKey, ct)
                : null;
            var campaign = start?.Campaign;
            if (subscriber is { Status: SubscriberStatus.Active })
            {
                if (topic is not null && subscriber.Topics.All(t => t.TopicId != topic.Id))
                {
                    subscriber.Topics.Add(new SubscriberTopic { SubscriberId = subscriber.Id, TopicId = topic.Id, OrganizationId = message.OrganizationId });
                    _audit.Record("subscriber.topics", "subscriber", subscriber.Id.ToString(CultureInfo.InvariantCulture), "Topic added by a start link: " + topic.Key);
                }

                message.Note = "Already subscribed: reminded of the keywords.";
                Reply(Replies.AlreadySubscribed, subscriber.Language, orgName, Keyword(InboundSettings.TopicsKeywords, subscriber.Language), Keyword(InboundSettings.UnsubscribeKeywords, subscriber.Language));
                return;
            }

            if (subscriber is null)
            {
                subscriber = await NewSubscriberAsync([language], campaign is null ? "keyword" : Truncate("flyer:" + campaign, 200), ct);
                message.Note = "Subscribed by keyword.";
                if (topic is not null)
                {
                    // Only the link's topic: the others were added with the subscriber.
                    foreach (var other in subscriber.Topics.Where(t => t.TopicId != topic.Id).ToList())
                    {
                        subscriber.Topics.Remove(other);
                        db.Remove(other);
                    }

                    if (subscriber.Topics.Count == 0)
                    {
                        subscriber.Topics.Add(new SubscriberTopic { SubscriberId = subscriber.Id, TopicId = topic.Id, OrganizationId = message.OrganizationId });
                    }
                }
            }
            else
            {
                subscriber.Status = SubscriberStatus.Active;
                subscriber.LeftAt = null;
                subscriber.SubscribedAt = now;
                message.Note = "Subscribed again by keyword.";
                if (campaign is not null)
                {
                    subscriber.Source = Truncate("flyer:" + campaign, 200);
                }

                if (topic is not null && subscriber.Topics.All(t => t.TopicId != topic.Id))
                {
                    subscriber.Topics.Add(new SubscriberTopic { SubscriberId = subscriber.Id, TopicId = topic.Id, OrganizationId = message.OrganizationId });
                }
            }

            if (start is not null)
            {
                message.Note += $" From a start link{(topic is null ? string.Empty : " to the topic " + topic.Key)}{(campaign is null ? string.Empty : ", campaign " + campaign)}.";
            }

            subscriber.ConsentAt = message.SentAt;
            subscriber.ConsentMethod = ConsentMethod.Keyword;
            subscriber.ConsentEvidence = Truncate(message.Text.Trim(), 500);
            subscriber.PolicyVersion = Truncate(policyVersion, 60);
            message.SubscriberId = subscriber.Id;
            _audit.Record("subscriber.subscribed", "subscriber", subscriber.Id.ToString(CultureInfo.InvariantCulture),
                $"{channel.Account.Kind} keyword ({keywordLanguage}), policy version {policyVersion}");
            // Answered in the keyword's language (START gets English even where bulletins come in Italian).
            var reply = Replies.Get(Replies.Subscribed, keywordLanguage, orgName, Keyword(InboundSettings.TopicsKeywords, keywordLanguage), Keyword(InboundSettings.UnsubscribeKeywords, keywordLanguage));
            if (await PolicyUrlAsync(policyVersion, keywordLanguage, ct) is { } url)
            {
                reply += "\n" + Replies.Get(Replies.Policy, keywordLanguage, url);
            }

            _replies.Add(reply);
        }

        public async Task UnsubscribeAsync(Subscriber? subscriber, string keywordLanguage, CancellationToken ct)
        {
            if (subscriber is not { Status: SubscriberStatus.Active })
            {
                NotSubscribed(subscriber, keywordLanguage);
                return;
            }

            subscriber.Status = SubscriberStatus.Left;
            subscriber.LeftAt = now;
            var cancelled = await SubscriberService.CancelQueuedAsync(db, subscriber.Id, ct);
            _audit.Record("subscriber.left", "subscriber", subscriber.Id.ToString(CultureInfo.InvariantCulture),
                $"Unsubscribed by keyword; {cancelled} queued messages cancelled");
            message.Note = "Unsubscribed by keyword.";
            Reply(Replies.Left, subscriber.Language, orgName, Keyword(InboundSettings.SubscribeKeywords, subscriber.Language));
        }

        public async Task TopicsMenuAsync(Subscriber? subscriber, string keywordLanguage, CancellationToken ct)
        {
            if (subscriber is not { Status: SubscriberStatus.Active })
            {
                NotSubscribed(subscriber, keywordLanguage);
                return;
            }

            // A follower (WeChat) never chose a language: the keyword's language becomes theirs.
            if (subscriber.ConsentMethod == ConsentMethod.Follow && keywordLanguage != subscriber.Language && orgLanguages.Contains(keywordLanguage, StringComparer.Ordinal))
            {
                subscriber.SetLanguages([keywordLanguage, .. subscriber.LanguageList.Where(l => l != keywordLanguage)]);
            }

            var topics = await TopicsAsync(ct);
            var lines = topics.Select((t, i) => $"{i + 1}. {(subscriber.Topics.Any(s => s.TopicId == t.Id) ? "✓ " : string.Empty)}{t.NameIn(subscriber.Language)}");
            message.Note = "Sent the list of topics.";
            Reply(Replies.TopicsMenu, subscriber.Language, string.Join('\n', lines));
        }

        public async Task ChooseTopicsAsync(Subscriber subscriber, IReadOnlyList<int> numbers, CancellationToken ct)
        {
            var topics = await TopicsAsync(ct);
            if (numbers.Any(n => n < 1 || n > topics.Count))
            {
                message.Note = "A topic number that does not exist.";
                Reply(Replies.TopicsUnknown, subscriber.Language, numbers.First(n => n < 1 || n > topics.Count), Keyword(InboundSettings.TopicsKeywords, subscriber.Language));
                return;
            }

            var chosen = numbers.Select(n => topics[n - 1]).ToList();
            var chosenIds = chosen.Select(t => t.Id).ToHashSet();
            foreach (var old in subscriber.Topics.Where(t => !chosenIds.Contains(t.TopicId)).ToList())
            {
                subscriber.Topics.Remove(old);
                db.Remove(old);
            }

            foreach (var topic in chosen.Where(t => subscriber.Topics.All(s => s.TopicId != t.Id)))
            {
                subscriber.Topics.Add(new SubscriberTopic { SubscriberId = subscriber.Id, TopicId = topic.Id, OrganizationId = message.OrganizationId });
            }

            _audit.Record("subscriber.topics", "subscriber", subscriber.Id.ToString(CultureInfo.InvariantCulture), "Topics chosen by message: " + string.Join(", ", chosen.Select(t => t.Key)));
            message.Note = "Topics chosen.";
            Reply(Replies.TopicsSet, subscriber.Language, string.Join(", ", chosen.Select(t => t.NameIn(subscriber.Language))));
        }

        public async Task KeepAsync(Subscriber? subscriber, CancellationToken ct)
        {
            message.State = InboundState.Kept;
            var closed = channel.Policy.ReleaseTime(now) > now;
            if (!closed)
            {
                message.Note = "Kept for the staff.";
                return;
            }

            // Outside the service hours: the out-of-hours reply, at most once a day per person.
            var since = now.AddDays(-1);
            var answered = await db.InboundMessages.AnyAsync(
                m => m.ChannelId == message.ChannelId && m.Address == message.Address && m.RepliedOutOfHours && m.ReceivedAt >= since && m.Id != message.Id, ct);
            if (answered)
            {
                message.Note = "Kept for the staff (received outside the service hours; already answered today).";
                return;
            }

            var language = subscriber?.Language ?? orgLanguages.FirstOrDefault() ?? "it";
            var configured = LanguageMap.For(LanguageMap.Parse(Settings.GetValueOrDefault(InboundSettings.OutOfHoursReply)), language, subscriber?.Languages.Split(',') ?? [.. orgLanguages]);
            message.RepliedOutOfHours = true;
            message.Note = "Kept for the staff; answered with the out-of-hours reply.";
            _replies.Add(configured ?? Replies.Get(Replies.OutOfHours, language));
        }

        public async Task FollowAsync(Subscriber? subscriber, CancellationToken ct)
        {
            // Following the account is the consent: recorded with the time, the event and the policy version in force.
            var policyVersion = await PolicyVersionAsync(ct);
            var scene = message.EventKey is { } k && k.StartsWith("qrscene_", StringComparison.Ordinal) ? k["qrscene_".Length..] : message.Event == "SCAN" ? message.EventKey : null;
            var evidence = scene is null ? "follow" : "qrscene_" + scene;
            var languages = WelcomeLanguages();
            message.Kind = InboundKind.Follow;
            if (subscriber is null)
            {
                subscriber = await NewSubscriberAsync(languages, "follow", ct);
                message.Note = scene is null ? "Followed the account: subscribed." : $"Followed the account from the flyer QR code \"{scene}\": subscribed.";
            }
            else if (subscriber.Status == SubscriberStatus.Active)
            {
                message.Note = "Followed the account again (already subscribed).";
            }
            else
            {
                subscriber.Status = SubscriberStatus.Active;
                subscriber.LeftAt = null;
                subscriber.SubscribedAt = now;
                message.Note = scene is null ? "Followed the account again: subscribed again." : $"Followed the account again from the flyer QR code \"{scene}\": subscribed again.";
            }

            subscriber.ConsentAt = message.SentAt;
            subscriber.ConsentMethod = ConsentMethod.Follow;
            subscriber.ConsentEvidence = Truncate(evidence, 500);
            subscriber.PolicyVersion = Truncate(policyVersion, 60);
            if (scene is not null)
            {
                subscriber.Source = Truncate("flyer:" + scene, 200);
            }
            else
            {
                subscriber.Source ??= "follow";
            }

            message.SubscriberId = subscriber.Id;
            _audit.Record("subscriber.subscribed", "subscriber", subscriber.Id.ToString(CultureInfo.InvariantCulture),
                $"{channel.Account.Kind} follow{(scene is null ? string.Empty : " from flyer " + scene)}, policy version {policyVersion}");

            // The welcome, in each of the channel's languages (Chinese and Italian for ViaRoma101), with the policy link.
            var parts = new List<string>();
            foreach (var l in languages)
            {
                var url = await PolicyUrlAsync(policyVersion, l, ct);
                parts.Add(Replies.Get(Replies.Welcome, l, orgName, Keyword(InboundSettings.TopicsKeywords, l))
                    + (url is null ? string.Empty : "\n" + Replies.Get(Replies.Policy, l, url)));
            }

            _replies.Add(string.Join("\n\n", parts));
        }

        public async Task UnfollowAsync(Subscriber? subscriber, CancellationToken ct)
        {
            message.Kind = InboundKind.Unfollow;
            if (subscriber is not { Status: SubscriberStatus.Active })
            {
                message.Note = "Unfollowed the account (was not subscribed).";
                return;
            }

            // Left at once; no answer is possible (the platform no longer lets the account write to them).
            subscriber.Status = SubscriberStatus.Left;
            subscriber.LeftAt = now;
            var cancelled = await SubscriberService.CancelQueuedAsync(db, subscriber.Id, ct);
            _audit.Record("subscriber.left", "subscriber", subscriber.Id.ToString(CultureInfo.InvariantCulture),
                $"Unfollowed the {channel.Account.Kind} account; {cancelled} queued messages cancelled");
            message.Note = "Unfollowed the account: unsubscribed.";
        }

        public void Scanned(Subscriber subscriber)
        {
            message.Kind = InboundKind.Scan;
            message.Note = $"An existing follower scanned the flyer QR code \"{message.EventKey}\".";
            Reply(Replies.AlreadySubscribed, subscriber.Language, orgName, Keyword(InboundSettings.TopicsKeywords, subscriber.Language), Keyword(InboundSettings.UnsubscribeKeywords, subscriber.Language));
        }

        public void AutoReply(int entry)
        {
            var entries = Keywords.AutoReplies(Settings);
            message.Kind = InboundKind.AutoReply;
            if (entry < 0 || entry >= entries.Count)
            {
                message.Note = "A menu entry that no longer exists.";
                return;
            }

            message.Note = $"Answered from the auto-reply menu ({entries[entry].Keywords[0]}).";
            _replies.Add(entries[entry].Answer);
        }

        /// <summary>A new active subscriber from the message's sender, following every active topic, saved (for its id);
        /// the caller records the consent.</summary>
        private async Task<Subscriber> NewSubscriberAsync(IReadOnlyList<string> languages, string source, CancellationToken ct)
        {
            var subscriber = new Subscriber
            {
                OrganizationId = message.OrganizationId,
                ChannelId = message.ChannelId,
                Address = message.Address,
                DisplayName = message.DisplayName,
                Status = SubscriberStatus.Active,
                SubscribedAt = now,
                LastInboundAt = message.SentAt,
                Source = source,
                ConsentAt = message.SentAt,
            };
            subscriber.SetLanguages([.. languages, .. orgLanguages.Where(l => !languages.Contains(l))]);
            var topics = await db.Topics.Where(t => t.IsActive).Select(t => t.Id).ToListAsync(ct);
            subscriber.Topics.AddRange(topics.Select(t => new SubscriberTopic { TopicId = t, OrganizationId = message.OrganizationId }));
            db.Subscribers.Add(subscriber);
            await db.SaveChangesAsync(ct); // the id, for the message and the audit
            return subscriber;
        }

        /// <summary>The version of the channel's policy a consent given now agrees to: the latest published, else the
        /// channel's <c>policyVersion</c> setting, else "1".</summary>
        private async Task<string> PolicyVersionAsync(CancellationToken ct) =>
            await Policies.ChannelPolicyService.VersionInForceAsync(db, channel.Account.Id, ct) ?? "1";

        /// <summary>Where the confirmation sends the person to read the policy: the channel's <c>policyUrl</c> when set,
        /// else the public page of the published version they agreed to (in their language); null when there is neither.</summary>
        private async Task<string?> PolicyUrlAsync(string version, string language, CancellationToken ct) =>
            Settings.GetValueOrDefault(InboundSettings.PolicyUrl) is { Length: > 0 } url ? url
            : Policies.ChannelPolicyService.PublishedNumber(version) is { } number
              && await db.ChannelPolicies.IgnoreQueryFilters().AnyAsync(p => p.ChannelId == channel.Account.Id && p.Version == number, ct)
                ? await policyLinks.AbsoluteAsync(db, message.OrganizationId, channel.Account.Id, number, language, ct)
            : null;

        /// <summary>The languages a welcome is written in: the channel's required languages (zh,it for ViaRoma101), else the organization's.</summary>
        private List<string> WelcomeLanguages()
        {
            var required = (Settings.GetValueOrDefault(BroadcastSettings.RequiredLanguages) ?? string.Empty)
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            var languages = required.Count > 0 ? required : orgLanguages;
            return languages.Count > 0 ? languages.Distinct(StringComparer.Ordinal).ToList() : ["it"];
        }

        public async Task SendRepliesAsync(Func<IReadOnlyList<string>, bool>? passive, CancellationToken ct)
        {
            if (_replies.Count == 0 || passive?.Invoke(_replies) == true)
            {
                return;
            }

            var adapter = adapters.For(channel.Account.Kind, channel.Account.IsSandbox);
            foreach (var text in _replies)
            {
                var result = adapter is null
                    ? new SendResult.Permanent("No adapter for this channel.")
                    : await adapter.ReplyAsync(channel.Account, message.Address, text, ct);
                if (result is not SendResult.Sent)
                {
                    logger.LogWarning("Channel {Channel}: the reply to inbound message {Id} was not sent: {Result}", channel.Account.Id, message.Id, result);
                }
            }
        }

        private void NotSubscribed(Subscriber? subscriber, string keywordLanguage)
        {
            var language = subscriber?.Language ?? keywordLanguage;
            message.Note = "Not subscribed: told how to subscribe.";
            Reply(Replies.NotSubscribed, language, orgName, Keyword(InboundSettings.SubscribeKeywords, language));
        }

        private Task<List<Topics.Topic>> TopicsAsync(CancellationToken ct) =>
            db.Topics.AsNoTracking().Include(t => t.Names).Where(t => t.IsActive).OrderBy(t => t.CreatedAt).ThenBy(t => t.Key).ToListAsync(ct);

        private string Keyword(string setting, string language) => Keywords.Display(Settings, setting, language, orgLanguages);

        private void Reply(string key, string language, params object[] args) => _replies.Add(Replies.Get(key, language, args));

        private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
    }
}
