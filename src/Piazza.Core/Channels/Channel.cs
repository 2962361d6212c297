using Piazza.Tenancy;

namespace Piazza.Channels;

/// <summary>The platforms Piazza speaks to.</summary>
public enum ChannelKind
{
    WhatsApp = 0,
    WeChat = 1,
    Telegram = 2,
    Facebook = 3,
    X = 4,
    Mastodon = 5,
    Web = 6,
}

/// <summary>An account on a platform: a WhatsApp number, a WeChat official account, a Telegram channel…</summary>
public sealed class Channel : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public ChannelKind Kind { get; set; }

    public required string Name { get; set; }

    /// <summary>Sandbox channels talk to Piazza's built-in simulator of the platform.</summary>
    public bool IsSandbox { get; set; }

    public bool IsEnabled { get; set; } = true;

    /// <summary>The office that runs the channel (optional).</summary>
    public Guid? OfficeId { get; set; }

    /// <summary>Non-secret settings as a JSON object (base URL, phone number ID, languages required…).</summary>
    public string SettingsJson { get; set; } = "{}";

    /// <summary>Secret settings (tokens, app secrets) as a JSON object encrypted with ASP.NET Core Data Protection.
    /// Never returned by any API or page.</summary>
    public string? ProtectedSecrets { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}
