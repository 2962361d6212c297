using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Piazza.Data;
using Piazza.Posts;

namespace Piazza.Broadcast;

/// <summary>A delivery claimed by a dispatcher: what it needs to send it.</summary>
/// <param name="Id">The delivery.</param>
/// <param name="PostId">Its bulletin.</param>
/// <param name="SubscriberId">The subscriber, or 0 for the whole channel.</param>
/// <param name="Language">The language to send.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Attempts">Claims so far, this one included.</param>
/// <param name="Address">The subscriber's address; null when they left or were erased (then nothing is sent).</param>
public sealed record ClaimedDelivery(long Id, Guid PostId, long SubscriberId, string Language, PostPriority Priority, int Attempts, string? Address, DateTime? LastInboundAt = null);

/// <summary>What became of a claimed delivery.</summary>
/// <param name="Id">The delivery.</param>
/// <param name="State">Sent, Failed, Cancelled, or Queued again (a retry).</param>
/// <param name="SentAt">When the platform accepted it.</param>
/// <param name="PlatformMessageId">The platform's message id.</param>
/// <param name="Error">Why it failed or is retried.</param>
/// <param name="DueAt">For a retry: not before this time.</param>
/// <param name="CountsAsAttempt">False when it was not really tried (paused channel, open circuit, rate limit): the claim is given back.</param>
public sealed record DeliveryOutcome(long Id, DeliveryState State, DateTime? SentAt, string? PlatformMessageId, string? Error, DateTime DueAt, bool CountsAsAttempt = true);

/// <summary>A platform's news about a message it accepted (WhatsApp statuses, WeChat MASSSENDJOBFINISH…).</summary>
/// <param name="ChannelId">The channel the callback came in on.</param>
/// <param name="PlatformMessageId">The platform's message id.</param>
/// <param name="State">Delivered, Read or Failed.</param>
/// <param name="At">When it happened (UTC).</param>
/// <param name="Error">For Failed: the platform's reason.</param>
public sealed record StatusUpdate(Guid ChannelId, string PlatformMessageId, DeliveryState State, DateTime At, string? Error = null);

/// <summary>What to write for one channel when a bulletin is released.</summary>
/// <param name="PostId">The bulletin.</param>
/// <param name="OrganizationId">Its organization.</param>
/// <param name="ChannelId">The channel.</param>
/// <param name="TopicId">Only followers of this topic; null for everyone on the channel.</param>
/// <param name="Priority">The bulletin's priority.</param>
/// <param name="Languages">The languages the bulletin has, in the organization's fallback order (first = the last resort).</param>
/// <param name="MonthlyCap">Skip subscribers who already had this many routine messages this month; null for no cap.</param>
/// <param name="MonthStart">Start of the calendar month (UTC) for the cap.</param>
/// <param name="DueAt">When the deliveries may go (the next service window for a routine bulletin).</param>
/// <param name="Now">The release time.</param>
/// <param name="MayExist">Some of these deliveries may be written already (they are left as they are); false lets
/// PostgreSQL skip ON CONFLICT's speculative insertion.</param>
public sealed record FanOutSpec(
    Guid PostId, Guid OrganizationId, Guid ChannelId, Guid? TopicId, PostPriority Priority, IReadOnlyList<string> Languages,
    int? MonthlyCap, DateTime MonthStart, DateTime DueAt, DateTime Now, bool MayExist = true);

/// <summary>
/// The SQL of the broadcast engine, for SQLite and PostgreSQL: set-based fan-out, batch claims with a lease
/// (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>), batch completion, channel leases and status callbacks. Everything
/// here works on many rows per statement; nothing loops over subscribers in C#.
/// </summary>
/// <remarks>The queue index <c>IX_deliveries_queue</c> is partial (<c>state IN (0, 1)</c>). SQLite uses a partial index
/// only when the query's WHERE repeats the index's own term (<c>state = 0</c> alone does not prove it), else it scans
/// every delivery ever written; so each queue query below says <c>state IN (0, 1)</c> again.</remarks>
public sealed class DeliveryStore(PiazzaDb db)
{
    private const string Columns = "post_id, channel_id, subscriber_id, language, priority, state, due_at, attempts, created_at";

    public bool IsPostgres { get; } = db.Database.IsNpgsql();

    public PiazzaDb Db => db;

    /// <summary>A Guid as the provider stores it: uuid on PostgreSQL, upper-case TEXT on SQLite (as EF Core writes it).</summary>
    public object Id(Guid id) => IsPostgres ? id : id.ToString().ToUpperInvariant();

    // ---------------------------------------------------------------------------------------------- fan-out

    /// <summary>Writes one delivery per matching active subscriber of the channel, in one INSERT … SELECT. Subscribers
    /// past the monthly cap get a Skipped delivery (counted, never silently dropped). Returns the rows written.</summary>
    public async Task<int> FanOutToSubscribersAsync(FanOutSpec spec, CancellationToken ct)
    {
        await using var cmd = await CommandAsync(ct);
        var sql = new StringBuilder();
        sql.Append("INSERT INTO deliveries (").Append(Columns).Append(")\nSELECT @post, @channel, s.id, ")
            .Append(LanguageExpression(cmd, spec.Languages)).Append(", @priority, ");
        if (spec.MonthlyCap is { } cap && spec.Priority != PostPriority.Emergency)
        {
            // Routine messages this month (queued, in flight or sent; failed, skipped and cancelled ones do not count).
            sql.Append("CASE WHEN (SELECT count(*) FROM deliveries x WHERE x.subscriber_id = s.id AND x.priority < 2 AND x.state IN (0, 1, 2, 3, 4) AND x.created_at >= @month) >= @cap THEN 6 ELSE 0 END");
            Add(cmd, "cap", cap);
            Add(cmd, "month", spec.MonthStart);
        }
        else
        {
            sql.Append('0');
        }

        sql.Append(", @due, 0, @now");
        if (spec.TopicId is { } topic)
        {
            // From the topic's followers (its index gives them in subscriber order) to their rows: one row each, since
            // (subscriber, topic) is the key of subscriber_topics. SQLite writes an emergency for a tenth of a million
            // subscribers in a third of the time of an EXISTS probe for every subscriber.
            sql.Append("\nFROM subscriber_topics t JOIN subscribers s ON s.id = t.subscriber_id\nWHERE t.topic_id = @topic AND s.organization_id = @org AND s.channel_id = @channel AND s.status = 0");
            sql.Append("\nORDER BY t.subscriber_id");
            Add(cmd, "topic", Id(topic));
        }
        else
        {
            sql.Append("\nFROM subscribers s\nWHERE s.organization_id = @org AND s.channel_id = @channel AND s.status = 0");
            sql.Append("\nORDER BY s.id");
        }

        if (spec.MayExist)
        {
            sql.Append("\nON CONFLICT DO NOTHING");
        }

        cmd.CommandText = sql.ToString();
        Add(cmd, "post", Id(spec.PostId));
        Add(cmd, "channel", Id(spec.ChannelId));
        Add(cmd, "org", Id(spec.OrganizationId));
        Add(cmd, "priority", (int)spec.Priority);
        Add(cmd, "due", spec.DueAt);
        Add(cmd, "now", spec.Now);
        cmd.CommandTimeout = 600;
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Writes the one delivery of a broadcast-style channel (a page post, a channel post).</summary>
    public async Task<int> FanOutToChannelAsync(Guid postId, Guid channelId, string language, PostPriority priority, DateTime dueAt, DateTime now, CancellationToken ct, long group = 0)
    {
        await using var cmd = await CommandAsync(ct);
        cmd.CommandText = $"INSERT INTO deliveries ({Columns}) VALUES (@post, @channel, @group, @language, @priority, 0, @due, 0, @now) ON CONFLICT DO NOTHING";
        Add(cmd, "group", group);
        Add(cmd, "post", Id(postId));
        Add(cmd, "channel", Id(channelId));
        Add(cmd, "language", language);
        Add(cmd, "priority", (int)priority);
        Add(cmd, "due", dueAt);
        Add(cmd, "now", now);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The language each subscriber gets: their first language the bulletin has, else the organization's fallback.
    /// <c>languages</c> holds the subscriber's languages comma-separated in order of preference (e.g. "zh,it").
    /// </summary>
    private string LanguageExpression(DbCommand cmd, IReadOnlyList<string> available)
    {
        for (var i = 0; i < available.Count; i++)
        {
            Add(cmd, "l" + i.ToString(CultureInfo.InvariantCulture), available[i]);
        }

        if (available.Count == 1)
        {
            return "@l0";
        }

        var find = IsPostgres ? "strpos" : "instr";
        string Pos(int i) => $"{find}(',' || s.languages || ',', ',' || @l{i.ToString(CultureInfo.InvariantCulture)} || ',')";
        var sb = new StringBuilder("CASE WHEN s.language IN (");
        sb.Append(string.Join(", ", available.Select((_, i) => "@l" + i.ToString(CultureInfo.InvariantCulture)))).Append(") THEN s.language");
        for (var i = 0; i < available.Count; i++)
        {
            sb.Append(" WHEN ").Append(Pos(i)).Append(" > 0");
            for (var j = 0; j < available.Count; j++)
            {
                if (j != i)
                {
                    sb.Append(" AND (").Append(Pos(j)).Append(" = 0 OR ").Append(Pos(i)).Append(" < ").Append(Pos(j)).Append(')');
                }
            }

            sb.Append(" THEN @l").Append(i.ToString(CultureInfo.InvariantCulture));
        }

        return sb.Append(" ELSE @l0 END").ToString();
    }

    // ---------------------------------------------------------------------------------------------- claims

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries of a channel, emergencies first, and marks them Sending in
    /// one statement. On PostgreSQL the rows are locked with <c>FOR UPDATE SKIP LOCKED</c>, so two claimers never take
    /// the same row. The index on (channel, state, priority desc, due, id) gives the order; there is no full scan.
    /// </summary>
    /// <param name="withLastInbound">Also read when each subscriber last wrote (WhatsApp's 24-hour window).</param>
    public async Task<List<ClaimedDelivery>> ClaimAsync(Guid channelId, DateTime now, int limit, PostPriority minPriority, CancellationToken ct, bool withLastInbound = false)
    {
        await using var cmd = await CommandAsync(ct);
        const string Pick = """
            SELECT id FROM deliveries
            WHERE channel_id = @channel AND state = 0 AND state IN (0, 1) AND priority >= @min AND due_at <= @now
            ORDER BY priority DESC, due_at, id
            LIMIT @limit
            """;
        var returning = "RETURNING id, post_id, subscriber_id, language, priority, attempts, "
            + "(SELECT s.address FROM subscribers s WHERE s.id = deliveries.subscriber_id AND s.status = 0)"
            + (withLastInbound ? ", (SELECT s.last_inbound_at FROM subscribers s WHERE s.id = deliveries.subscriber_id)" : string.Empty);
        cmd.CommandText = IsPostgres
            ? $"UPDATE deliveries SET state = 1, attempts = attempts + 1 WHERE id IN ({Pick} FOR UPDATE SKIP LOCKED) {returning}"
            : $"UPDATE deliveries SET state = 1, attempts = attempts + 1 WHERE id IN ({Pick}) {returning}";
        Add(cmd, "channel", Id(channelId));
        Add(cmd, "min", (int)minPriority);
        Add(cmd, "now", now);
        Add(cmd, "limit", limit);
        var result = new List<ClaimedDelivery>(limit);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                result.Add(new ClaimedDelivery(
                    reader.GetInt64(0), ReadGuid(reader, 1), reader.GetInt64(2), reader.GetString(3), (PostPriority)reader.GetInt32(4), reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    withLastInbound && !reader.IsDBNull(7) ? ReadDate(reader.GetValue(7)) : null));
            }
        }

        // RETURNING gives no order: restore the claim's.
        result.Sort((a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.Id.CompareTo(b.Id));
        return result;
    }

    /// <summary>Writes what became of claimed deliveries, all in one transaction (one statement on PostgreSQL).
    /// Only rows still Sending change: a row another node took back after a lease expired is left to that node.</summary>
    public async Task CompleteAsync(IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken ct)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        await OpenAsync(ct);
        if (IsPostgres)
        {
            await using var cmd = await CommandAsync(ct);
            cmd.CommandText = """
                UPDATE deliveries d SET state = v.state, sent_at = COALESCE(v.sent, d.sent_at), platform_message_id = COALESCE(v.pid, d.platform_message_id),
                    error = v.err, due_at = v.due, attempts = d.attempts - v.giveback
                FROM unnest(@ids, @states, @sents, @pids, @errs, @dues, @givebacks) AS v(id, state, sent, pid, err, due, giveback)
                WHERE d.id = v.id AND d.state = 1
                """;
            // Typed explicitly: an array of nulls says nothing of its type.
            AddArray(cmd, "ids", NpgsqlDbType.Bigint, outcomes.Select(o => o.Id).ToArray());
            AddArray(cmd, "states", NpgsqlDbType.Integer, outcomes.Select(o => (int)o.State).ToArray());
            AddArray(cmd, "sents", NpgsqlDbType.TimestampTz, outcomes.Select(o => o.SentAt).ToArray());
            AddArray(cmd, "pids", NpgsqlDbType.Text, outcomes.Select(o => o.PlatformMessageId).ToArray());
            AddArray(cmd, "errs", NpgsqlDbType.Text, outcomes.Select(o => Truncate(o.Error, 500)).ToArray());
            AddArray(cmd, "dues", NpgsqlDbType.TimestampTz, outcomes.Select(o => o.DueAt).ToArray());
            AddArray(cmd, "givebacks", NpgsqlDbType.Integer, outcomes.Select(o => o.CountsAsAttempt ? 0 : 1).ToArray());
            await cmd.ExecuteNonQueryAsync(ct);
            return;
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var cmd = await CommandAsync(ct))
        {
            cmd.CommandText = """
                UPDATE deliveries SET state = @state, sent_at = COALESCE(@sent, sent_at), platform_message_id = COALESCE(@pid, platform_message_id),
                    error = @err, due_at = @due, attempts = attempts - @giveback
                WHERE id = @id AND state = 1
                """;
            var id = Add(cmd, "id", 0L);
            var state = Add(cmd, "state", 0);
            var sent = Add(cmd, "sent", (object?)null);
            var pid = Add(cmd, "pid", (object?)null);
            var err = Add(cmd, "err", (object?)null);
            var due = Add(cmd, "due", DateTime.UtcNow);
            var giveback = Add(cmd, "giveback", 0);
            await cmd.PrepareAsync(ct);
            foreach (var o in outcomes)
            {
                id.Value = o.Id;
                state.Value = (int)o.State;
                sent.Value = (object?)o.SentAt ?? DBNull.Value;
                pid.Value = (object?)o.PlatformMessageId ?? DBNull.Value;
                err.Value = (object?)Truncate(o.Error, 500) ?? DBNull.Value;
                due.Value = o.DueAt;
                giveback.Value = o.CountsAsAttempt ? 0 : 1;
                await cmd.ExecuteNonQueryAsync(ct);
            }
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Gives back every in-flight delivery of a channel: called by a node that has just taken the channel's
    /// lease, so the deliveries of a node that died are sent again (at most these can be sent twice).</summary>
    public async Task<int> RequeueInFlightAsync(Guid channelId, DateTime now, CancellationToken ct)
    {
        await using var cmd = await CommandAsync(ct);
        cmd.CommandText = "UPDATE deliveries SET state = 0, due_at = @now WHERE channel_id = @channel AND state = 1 AND state IN (0, 1)";
        Add(cmd, "channel", Id(channelId));
        Add(cmd, "now", now);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>When the channel's next queued delivery is due (UTC), or null when none is queued.</summary>
    public async Task<DateTime?> NextDueAsync(Guid channelId, PostPriority minPriority, CancellationToken ct)
    {
        DateTime? next = null;
        // One index probe per priority: the queue index is ordered by (priority, due).
        for (var p = (int)PostPriority.Emergency; p >= (int)minPriority; p--)
        {
            await using var cmd = await CommandAsync(ct);
            cmd.CommandText = "SELECT due_at FROM deliveries WHERE channel_id = @channel AND state = 0 AND state IN (0, 1) AND priority = @p ORDER BY due_at LIMIT 1";
            Add(cmd, "channel", Id(channelId));
            Add(cmd, "p", p);
            if (await cmd.ExecuteScalarAsync(ct) is { } value and not DBNull)
            {
                var due = ReadDate(value);
                next = next is null || due < next ? due : next;
            }
        }

        return next;
    }

    /// <summary>When the bulletin's next queued delivery on the channel is due (UTC), or null when none is queued: the
    /// queue index in due order, from the first row of the bulletin's priority.</summary>
    public async Task<DateTime?> NextDueOfPostAsync(Guid postId, Guid channelId, PostPriority priority, CancellationToken ct)
    {
        await using var cmd = await CommandAsync(ct);
        cmd.CommandText = """
            SELECT due_at FROM deliveries
            WHERE channel_id = @channel AND state = 0 AND state IN (0, 1) AND priority = @p AND post_id = @post
            ORDER BY due_at LIMIT 1
            """;
        Add(cmd, "channel", Id(channelId));
        Add(cmd, "p", (int)priority);
        Add(cmd, "post", Id(postId));
        return await cmd.ExecuteScalarAsync(ct) is { } value and not DBNull ? ReadDate(value) : null;
    }

    /// <summary>True when the bulletin has any delivery (one index probe).</summary>
    public async Task<bool> HasDeliveriesAsync(Guid postId, CancellationToken ct)
    {
        await using var cmd = await CommandAsync(ct);
        cmd.CommandText = "SELECT 1 FROM deliveries WHERE post_id = @post LIMIT 1";
        Add(cmd, "post", Id(postId));
        return await cmd.ExecuteScalarAsync(ct) is not (null or DBNull);
    }

    /// <summary>True while a delivery of the bulletin is queued or in flight: index probes per channel of the bulletin,
    /// cheap however many deliveries it has (counting them all takes ~0.4 s for a million on PostgreSQL).</summary>
    public async Task<bool> HasPendingAsync(Guid postId, CancellationToken ct)
    {
        await using var cmd = await CommandAsync(ct);
        cmd.CommandText = """
            SELECT 1 FROM deliveries
            WHERE post_id = @post AND channel_id IN (SELECT channel_id FROM post_channels WHERE post_id = @post) AND state IN (0, 1)
            LIMIT 1
            """;
        Add(cmd, "post", Id(postId));
        return await cmd.ExecuteScalarAsync(ct) is not (null or DBNull);
    }

    /// <summary>Channels (enabled) with deliveries due or in flight, not leased by another live node. Deliveries
    /// waiting for a later service window do not count: no worker idles for them. One index probe per priority.</summary>
    public async Task<List<Guid>> ChannelsWithWorkAsync(string node, DateTime now, CancellationToken ct)
    {
        await using var cmd = await CommandAsync(ct);
        cmd.CommandText = """
            SELECT c.id FROM channels c
            WHERE c.is_enabled
              AND (EXISTS (SELECT 1 FROM deliveries d WHERE d.channel_id = c.id AND d.state = 1 AND d.state IN (0, 1))
                OR EXISTS (SELECT 1 FROM deliveries d WHERE d.channel_id = c.id AND d.state = 0 AND d.state IN (0, 1) AND d.priority = 2 AND d.due_at <= @now)
                OR EXISTS (SELECT 1 FROM deliveries d WHERE d.channel_id = c.id AND d.state = 0 AND d.state IN (0, 1) AND d.priority = 1 AND d.due_at <= @now)
                OR EXISTS (SELECT 1 FROM deliveries d WHERE d.channel_id = c.id AND d.state = 0 AND d.state IN (0, 1) AND d.priority = 0 AND d.due_at <= @now))
              AND NOT EXISTS (SELECT 1 FROM channel_leases l WHERE l.channel_id = c.id AND l.node <> @node AND l.expires_at >= @now)
            """;
        Add(cmd, "node", node);
        Add(cmd, "now", now);
        var ids = new List<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(ReadGuid(reader, 0));
        }

        return ids;
    }

    // ---------------------------------------------------------------------------------------------- leases

    /// <summary>Takes or renews the channel's lease for <paramref name="node"/> when it is free, expired or already
    /// this node's. True when the node holds it until <paramref name="now"/> + <paramref name="duration"/>.</summary>
    public async Task<bool> TryLeaseAsync(Guid channelId, string node, DateTime now, TimeSpan duration, CancellationToken ct)
    {
        await using var cmd = await CommandAsync(ct);
        cmd.CommandText = """
            INSERT INTO channel_leases (channel_id, node, acquired_at, expires_at) VALUES (@channel, @node, @now, @expires)
            ON CONFLICT (channel_id) DO UPDATE SET node = excluded.node, expires_at = excluded.expires_at,
                acquired_at = CASE WHEN channel_leases.node = excluded.node THEN channel_leases.acquired_at ELSE excluded.acquired_at END
            WHERE channel_leases.node = excluded.node OR channel_leases.expires_at < excluded.acquired_at
            """;
        Add(cmd, "channel", Id(channelId));
        Add(cmd, "node", node);
        Add(cmd, "now", now);
        Add(cmd, "expires", now + duration);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task ReleaseLeaseAsync(Guid channelId, string node, CancellationToken ct)
    {
        await using var cmd = await CommandAsync(ct);
        cmd.CommandText = "DELETE FROM channel_leases WHERE channel_id = @channel AND node = @node";
        Add(cmd, "channel", Id(channelId));
        Add(cmd, "node", node);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    // ---------------------------------------------------------------------------------------------- status callbacks

    /// <summary>Applies platforms' status callbacks in one transaction. States only move forward (sent → delivered →
    /// read; failed after sent or delivered); a "delivered" after "read" changes nothing. Returns the updates that
    /// matched no sent delivery yet (the callback may be faster than the dispatcher's own write) and how many were
    /// applied, and adds to <paramref name="failedSubscribers"/> the subscribers whose delivery a "failed" status ended.</summary>
    public async Task<(List<StatusUpdate> Early, int Applied)> ApplyStatusesAsync(IReadOnlyList<StatusUpdate> updates, List<long> failedSubscribers, CancellationToken ct)
    {
        var unmatched = new List<StatusUpdate>();
        if (updates.Count == 0)
        {
            return (unmatched, 0);
        }

        await OpenAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var cmd = await CommandAsync(ct))
        {
            cmd.CommandText = """
                UPDATE deliveries SET state = @state,
                    delivered_at = CASE WHEN @state IN (3, 4) THEN COALESCE(delivered_at, @at) ELSE delivered_at END,
                    read_at = CASE WHEN @state = 4 THEN COALESCE(read_at, @at) ELSE read_at END,
                    error = CASE WHEN @state = 5 THEN @err ELSE error END
                WHERE channel_id = @channel AND platform_message_id = @pid AND state IN (2, 3) AND state < @state
                RETURNING subscriber_id
                """;
            var state = Add(cmd, "state", 0);
            var at = Add(cmd, "at", DateTime.UtcNow);
            var err = Add(cmd, "err", (object?)null);
            var channel = Add(cmd, "channel", Id(Guid.Empty));
            var pid = Add(cmd, "pid", string.Empty);
            await cmd.PrepareAsync(ct);
            foreach (var u in updates)
            {
                state.Value = (int)u.State;
                at.Value = u.At;
                err.Value = (object?)Truncate(u.Error, 500) ?? DBNull.Value;
                channel.Value = Id(u.ChannelId);
                pid.Value = u.PlatformMessageId;
                var subscriber = await cmd.ExecuteScalarAsync(ct);
                if (subscriber is null or DBNull)
                {
                    unmatched.Add(u);
                }
                else if (u.State == DeliveryState.Failed && Convert.ToInt64(subscriber, CultureInfo.InvariantCulture) is var id and not 0)
                {
                    failedSubscribers.Add(id);
                }
            }
        }

        // An update that changed nothing may be a repeat (already applied) or early (not sent yet): only the early
        // ones are worth keeping. On PostgreSQL each statement sees what committed before it: a send recorded between
        // the UPDATE and this check shows up here as Sent, so an update that could still move it forward is early too.
        var early = new List<StatusUpdate>();
        if (unmatched.Count > 0)
        {
            await using var check = await CommandAsync(ct);
            check.CommandText = "SELECT state FROM deliveries WHERE channel_id = @channel AND platform_message_id = @pid";
            var channel = Add(check, "channel", Id(Guid.Empty));
            var pid = Add(check, "pid", string.Empty);
            foreach (var u in unmatched)
            {
                channel.Value = Id(u.ChannelId);
                pid.Value = u.PlatformMessageId;
                var state = await check.ExecuteScalarAsync(ct);
                if (state is null or DBNull || (Convert.ToInt32(state, CultureInfo.InvariantCulture) is var s and (2 or 3) && s < (int)u.State))
                {
                    early.Add(u);
                }
            }
        }

        await tx.CommitAsync(ct);
        return (early, updates.Count - unmatched.Count);
    }

    // ---------------------------------------------------------------------------------------------- helpers

    public async Task OpenAsync(CancellationToken ct)
    {
        if (db.Database.GetDbConnection().State != ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(ct);
        }
    }

    /// <summary>A command on the context's connection, in its current transaction if there is one.</summary>
    public async Task<DbCommand> CommandAsync(CancellationToken ct)
    {
        await OpenAsync(ct);
        var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        return cmd;
    }

    public static DbParameter Add(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
        return p;
    }

    private static void AddArray(DbCommand cmd, string name, NpgsqlDbType type, Array values) =>
        cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });

    public static Guid ReadGuid(DbDataReader reader, int ordinal) =>
        reader.GetFieldType(ordinal) == typeof(Guid) ? reader.GetGuid(ordinal) : Guid.Parse(reader.GetString(ordinal));

    public static DateTime ReadDate(object value) => value switch
    {
        DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
        string s => DateTime.SpecifyKind(DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc),
        _ => throw new InvalidOperationException("Not a date: " + value),
    };

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}
