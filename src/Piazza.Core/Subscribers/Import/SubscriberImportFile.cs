using Piazza.Tenancy;

namespace Piazza.Subscribers.Import;

/// <summary>A list checked in the console and kept until it is imported, so that the import writes exactly the file
/// that was checked (on whichever server node the next request lands). It holds phone numbers: it is deleted when
/// imported, and at the latest <see cref="SubscriberImportService.KeepFor"/> after the check.</summary>
public sealed class SubscriberImportFile : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid ChannelId { get; set; }

    public required string FileName { get; set; }

    public required string PolicyVersion { get; set; }

    public string? Source { get; set; }

    /// <summary>The file as uploaded (at most <see cref="ImportCsv.MaxBytes"/>).</summary>
    public required byte[] Content { get; set; }

    /// <summary>Who checked it (user or API key id): only they may import it.</summary>
    public string? CreatedBy { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }
}
