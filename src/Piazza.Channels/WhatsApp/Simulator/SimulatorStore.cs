using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Piazza.Channels.WhatsApp.Simulator;

/// <summary>One message of a simulated conversation, as the citizen's phone shows it.</summary>
/// <param name="Id">Meta's message id (wamid…).</param>
/// <param name="FromCitizen">True for what the citizen wrote, false for what the channel sent.</param>
/// <param name="Text">The text (a template's parameters, one per line).</param>
/// <param name="Template">The template's name and language ("piazza_notiziario/it"), or null for text.</param>
/// <param name="At">When (UTC).</param>
public sealed record SimulatedMessage(string Id, bool FromCitizen, string Text, string? Template, DateTime At)
{
    /// <summary>"accepted", "sent", "delivered" or "read" (what the last status callback said).</summary>
    public string Status { get; set; } = "accepted";
}

/// <summary>What one phone number exchanged with one sandbox channel.</summary>
public sealed class SimulatedConversation(Guid channelId, string phone, int maxMessages)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<SimulatedMessage> _messages = new();

    public Guid ChannelId { get; } = channelId;

    /// <summary>The number as Meta writes wa_id: digits, no "+".</summary>
    public string Phone { get; } = phone;

    /// <summary>When the citizen last wrote (their 24-hour window opens then).</summary>
    public DateTime? LastFromCitizenAt { get; private set; }

    public DateTime LastActivity { get; private set; }

    public void Add(SimulatedMessage message)
    {
        lock (_lock)
        {
            _messages.AddLast(message);
            while (_messages.Count > maxMessages)
            {
                _messages.RemoveFirst();
            }

            LastActivity = message.At;
            if (message.FromCitizen)
            {
                LastFromCitizenAt = message.At;
            }
        }
    }

    /// <summary>Moves a sent message's status forward (never back: "read" stays read).</summary>
    public void SetStatus(string id, string status)
    {
        lock (_lock)
        {
            var message = _messages.FirstOrDefault(m => m.Id == id);
            if (message is not null && Rank(status) > Rank(message.Status))
            {
                message.Status = status;
            }
        }
    }

    /// <summary>The messages, oldest first.</summary>
    public IReadOnlyList<SimulatedMessage> Messages()
    {
        lock (_lock)
        {
            return [.. _messages.Select(m => m with { Status = m.Status })];
        }
    }

    private static int Rank(string status) => status switch { "sent" => 1, "delivered" => 2, "read" => 3, _ => 0 };
}

/// <summary>The simulator's memory: conversations per (channel, phone number), bounded in number and in length. It
/// lives in the server's memory only (a restart forgets it, as a phone's chat would be cleared).</summary>
public sealed class SimulatorStore(IOptions<WhatsAppSimulatorOptions> options)
{
    private readonly ConcurrentDictionary<(Guid Channel, string Phone), SimulatedConversation> _conversations = new();
    private readonly Lock _evicting = new();

    /// <summary>The conversation, created when missing.</summary>
    public SimulatedConversation Get(Guid channelId, string phone)
    {
        var key = (channelId, Normalize(phone));
        if (_conversations.TryGetValue(key, out var found))
        {
            return found;
        }

        var conversation = _conversations.GetOrAdd(key, k => new SimulatedConversation(k.Channel, k.Phone, Math.Max(1, options.Value.MaxMessagesPerConversation)));
        if (_conversations.Count > Math.Max(1, options.Value.MaxConversations))
        {
            lock (_evicting)
            {
                var excess = _conversations.Count - Math.Max(1, options.Value.MaxConversations);
                foreach (var old in _conversations.Where(c => c.Key != key).OrderBy(c => c.Value.LastActivity).Take(excess).ToList())
                {
                    _conversations.TryRemove(old.Key, out _);
                }
            }
        }

        return conversation;
    }

    /// <summary>The conversation if there is one.</summary>
    public SimulatedConversation? Find(Guid channelId, string phone) => _conversations.GetValueOrDefault((channelId, Normalize(phone)));

    /// <summary>The phone numbers (digits) that have a conversation with the channel, the most recently active first.</summary>
    public IReadOnlyList<string> Phones(Guid channelId, int max) =>
        [.. _conversations.Values.Where(c => c.ChannelId == channelId).OrderByDescending(c => c.LastActivity).Take(max).Select(c => c.Phone)];

    /// <summary>A number as Meta writes wa_id: its digits only.</summary>
    public static string Normalize(string phone) => new([.. phone.Where(char.IsAsciiDigit)]);
}
