using System.Globalization;
using System.Net.Mail;
using System.Text.RegularExpressions;

namespace Piazza.Common;

/// <summary>Shared input rules.</summary>
public static partial class Rules
{
    /// <summary>A well-formed BCP 47 tag that the platform's ICU data knows (it, zh, zh-Hans, en-GB, ar…).</summary>
    public static bool IsLanguageTag(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || !LanguageTagRegex().IsMatch(tag))
        {
            return false;
        }

        try
        {
            _ = CultureInfo.GetCultureInfo(tag, predefinedOnly: true);
            return true;
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The tag in its canonical case: language lower, script title, region upper (zh-Hans-CN).</summary>
    public static string NormalizeLanguageTag(string tag)
    {
        var parts = tag.Trim().Replace('_', '-').Split('-');
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = i == 0 ? parts[i].ToLowerInvariant()
                : parts[i].Length == 4 ? char.ToUpperInvariant(parts[i][0]) + parts[i][1..].ToLowerInvariant()
                : parts[i].Length == 2 ? parts[i].ToUpperInvariant()
                : parts[i].ToLowerInvariant();
        }

        return string.Join('-', parts);
    }

    public static bool IsTimeZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out _);
    }

    public static bool IsEmail(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 256 || value.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }

        return MailAddress.TryCreate(value, out var address) && string.Equals(address.Address, value, StringComparison.Ordinal) && value.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>Lower-case letters, digits and dashes, 2–60 characters, starting with a letter.</summary>
    public static bool IsKey(string? value) => value is not null && KeyRegex().IsMatch(value);

    /// <summary>E.164: +, country code, up to 15 digits in all.</summary>
    public static bool IsE164(string? value) => value is not null && E164Regex().IsMatch(value);

    /// <summary>Trims and collapses inner whitespace; null stays null.</summary>
    public static string? Clean(string? value) => value is null ? null : SpaceRegex().Replace(value.Trim(), " ");

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")]
    private static partial Regex LanguageTagRegex();

    [GeneratedRegex("^[a-z][a-z0-9-]{1,59}$")]
    private static partial Regex KeyRegex();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164Regex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpaceRegex();
}
