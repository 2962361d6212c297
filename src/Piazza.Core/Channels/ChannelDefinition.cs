namespace Piazza.Channels;

/// <summary>What configuring an account on one platform takes: its settings (shown back) and its secrets
/// (encrypted at rest, never shown back). Each platform's folder in Piazza.Channels provides one.</summary>
/// <param name="Kind">The platform.</param>
/// <param name="DisplayName">Its name as people know it (e.g. "WhatsApp").</param>
/// <param name="Settings">The settings of an account on it (shown back after saving).</param>
/// <param name="Secrets">The secrets of an account (tokens, app secrets): encrypted at rest, never shown back.</param>
/// <param name="Description">One line on what the channel is, for the console (English; translated through the resource files).</param>
public sealed record ChannelDefinition(ChannelKind Kind, string DisplayName, IReadOnlyList<ChannelField> Settings, IReadOnlyList<ChannelField> Secrets, string Description = "");

/// <summary>A setting or secret of a channel.</summary>
/// <param name="Name">Its name in the API (camelCase).</param>
/// <param name="Label">Its label in the console (English; translated through the resource files).</param>
/// <param name="Required">Whether a live (non-sandbox) channel needs it.</param>
/// <param name="IsUrl">Whether it must be an absolute http(s) URL (base URLs of the platform's API).</param>
/// <param name="Default">Value used when not given.</param>
/// <param name="Help">Where to find the value or what it is for, shown under the field (English; translated through the resource files).</param>
public sealed record ChannelField(string Name, string Label, bool Required = true, bool IsUrl = false, string? Default = null, string? Help = null);

/// <summary>All known platforms, as registered by Piazza.Channels.</summary>
public sealed class ChannelCatalog(IEnumerable<ChannelDefinition> definitions)
{
    private readonly Dictionary<ChannelKind, ChannelDefinition> _byKind = definitions.ToDictionary(d => d.Kind);

    public IReadOnlyCollection<ChannelDefinition> All => _byKind.Values;

    public ChannelDefinition? Find(ChannelKind kind) => _byKind.GetValueOrDefault(kind);
}
