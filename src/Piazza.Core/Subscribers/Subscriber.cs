using Piazza.Tenancy;

namespace Piazza.Subscribers;

public enum SubscriberStatus
{
    Active = 0,
    Left = 1,
}

/// <summary>How the person gave consent.</summary>
public enum ConsentMethod
{
    /// <summary>Sent an opt-in keyword (ATTIVA ISCRIZIONE, 订阅, START).</summary>
    Keyword = 0,

    /// <summary>Followed the account (WeChat) or started the bot (Telegram).</summary>
    Follow = 1,

    /// <summary>Subscribed on the public web page.</summary>
    WebForm = 2,

    /// <summary>Imported from a list the municipality kept before, with the consent date it recorded.</summary>
    Import = 3,

    /// <summary>Entered by staff on the person's request (e.g. at a front desk).</summary>
    Staff = 4,
}

/// <summary>A person reachable on one channel. The address is personal data: every read of it is audited.</summary>
public sealed class Subscriber : IOrgOwned
{
    public long Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid ChannelId { get; set; }

    /// <summary>Address on the channel: E.164 phone number, WeChat OpenID, Telegram chat id…</summary>
    public required string Address { get; set; }

    /// <summary>Profile name the platform gave, if any. Personal data.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Preferred languages, BCP 47 tags, most preferred first, comma-separated (e.g. "zh,it").</summary>
    public string Languages { get; set; } = "it";

    /// <summary>The most preferred language (first of <see cref="Languages"/>), kept for set-based queries.</summary>
    public string Language { get; set; } = "it";

    public SubscriberStatus Status { get; set; }

    public DateTime SubscribedAt { get; set; }

    public DateTime? LeftAt { get; set; }

    public DateTime? LastInboundAt { get; set; }

    // Consent record
    public DateTime ConsentAt { get; set; }

    public ConsentMethod ConsentMethod { get; set; }

    /// <summary>What the person sent or did, e.g. the keyword "ATTIVA ISCRIZIONE" or "qrscene_flyer-2026".</summary>
    public string? ConsentEvidence { get; set; }

    /// <summary>Version of the channel's published policy text in force when consent was given.</summary>
    public string? PolicyVersion { get; set; }

    /// <summary>Where the subscriber came from: a flyer's QR campaign, a deep link, an import file…</summary>
    public string? Source { get; set; }

    public List<SubscriberTopic> Topics { get; set; } = [];

    public void SetLanguages(IEnumerable<string> tags)
    {
        var list = tags.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (list.Count == 0)
        {
            list.Add("it");
        }

        Languages = string.Join(',', list);
        Language = list[0];
    }

    public IReadOnlyList<string> LanguageList => Languages.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>A topic a subscriber wants to hear about.</summary>
public sealed class SubscriberTopic : IOrgOwned
{
    public Guid OrganizationId { get; set; }

    public long SubscriberId { get; set; }

    public Guid TopicId { get; set; }
}
