using Piazza.Broadcast;
using Piazza.Data;

namespace Piazza.Inbound;

/// <summary>Stores what a webhook received, once per (channel, platform message id): a platform's retry of the same
/// message inserts nothing (<c>ON CONFLICT DO NOTHING</c>, on SQLite and PostgreSQL alike).</summary>
public static class InboundStore
{
    /// <summary>Inserts the messages not stored yet, in one transaction; returns how many were new.</summary>
    public static async Task<int> AddAsync(PiazzaDb db, IReadOnlyList<InboundMessage> messages, CancellationToken ct) =>
        (await InsertAsync(db, messages, ct)).Count;

    /// <summary>Inserts one message unless it is stored already (a platform's retry); returns its id when it was new, else null.</summary>
    public static async Task<long?> AddOneAsync(PiazzaDb db, InboundMessage message, CancellationToken ct) =>
        (await InsertAsync(db, [message], ct)) is [var id] ? id : null;

    private static async Task<List<long>> InsertAsync(PiazzaDb db, IReadOnlyList<InboundMessage> messages, CancellationToken ct)
    {
        var added = new List<long>();
        if (messages.Count == 0)
        {
            return added;
        }

        var store = new DeliveryStore(db);
        await store.OpenAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using (var cmd = await store.CommandAsync(ct))
        {
            cmd.CommandText = """
                INSERT INTO inbound_messages (organization_id, channel_id, platform_message_id, address, display_name, text, sent_at, received_at,
                    state, kind, subscriber_id, replied_out_of_hours, note, event, event_key)
                VALUES (@org, @channel, @pid, @address, @name, @text, @sent, @received, 0, 0, NULL, @false, NULL, @event, @key)
                ON CONFLICT (channel_id, platform_message_id) DO NOTHING
                RETURNING id
                """;
            var org = DeliveryStore.Add(cmd, "org", store.Id(Guid.Empty));
            var channel = DeliveryStore.Add(cmd, "channel", store.Id(Guid.Empty));
            var pid = DeliveryStore.Add(cmd, "pid", string.Empty);
            var address = DeliveryStore.Add(cmd, "address", string.Empty);
            var name = DeliveryStore.Add(cmd, "name", (object?)null);
            var text = DeliveryStore.Add(cmd, "text", string.Empty);
            var sent = DeliveryStore.Add(cmd, "sent", DateTime.UtcNow);
            var received = DeliveryStore.Add(cmd, "received", DateTime.UtcNow);
            DeliveryStore.Add(cmd, "false", false);
            var ev = DeliveryStore.Add(cmd, "event", (object?)null);
            var key = DeliveryStore.Add(cmd, "key", (object?)null);
            foreach (var m in messages)
            {
                org.Value = store.Id(m.OrganizationId);
                channel.Value = store.Id(m.ChannelId);
                pid.Value = Truncate(m.PlatformMessageId, 200);
                address.Value = Truncate(m.Address, 200);
                name.Value = m.DisplayName is null ? DBNull.Value : Truncate(m.DisplayName, 200);
                text.Value = Truncate(m.Text, 4096);
                sent.Value = m.SentAt;
                received.Value = m.ReceivedAt;
                ev.Value = m.Event is null ? DBNull.Value : Truncate(m.Event, 40);
                key.Value = m.EventKey is null ? DBNull.Value : Truncate(m.EventKey, 200);
                if (await cmd.ExecuteScalarAsync(ct) is { } id and not DBNull)
                {
                    added.Add(Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        await tx.CommitAsync(ct);
        return added;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
