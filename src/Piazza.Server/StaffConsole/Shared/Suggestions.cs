using System.Globalization;

namespace Piazza.Server.StaffConsole.Shared;

/// <summary>Values offered in the console's datalists (anything valid may still be typed) and language names.</summary>
public static class Suggestions
{
    /// <summary>IANA time zones a municipality is likely to use, Europe first.</summary>
    public static readonly IReadOnlyList<string> TimeZones =
    [
        "Europe/Rome", "Europe/San_Marino", "Europe/Vatican", "Europe/Zurich", "Europe/Vienna", "Europe/Berlin",
        "Europe/Paris", "Europe/Madrid", "Europe/Lisbon", "Europe/London", "Europe/Dublin", "Europe/Brussels",
        "Europe/Amsterdam", "Europe/Luxembourg", "Europe/Ljubljana", "Europe/Zagreb", "Europe/Malta", "Europe/Athens",
        "Europe/Bucharest", "Europe/Sofia", "Europe/Warsaw", "Europe/Prague", "Europe/Budapest", "Europe/Stockholm",
        "Europe/Helsinki", "Atlantic/Canary", "UTC",
    ];

    /// <summary>Languages often spoken by residents of Italian municipalities (BCP 47 tags).</summary>
    public static readonly IReadOnlyList<string> Languages =
    [
        "it", "zh", "zh-Hant", "en", "fr", "de", "es", "pt", "ro", "sq", "ar", "ur", "bn", "pa", "hi", "uk", "ru",
        "pl", "tl", "wo", "ti", "am", "so", "fa", "tr", "sl",
    ];

    /// <summary>The language's own name (italiano, 中文…), or the tag when the platform does not know it.</summary>
    public static string NativeName(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag))
        {
            return string.Empty;
        }

        try
        {
            var culture = CultureInfo.GetCultureInfo(tag.Trim(), predefinedOnly: true);
            return culture.NativeName;
        }
        catch (CultureNotFoundException)
        {
            return tag;
        }
    }
}
