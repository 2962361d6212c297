using System.Globalization;

namespace Piazza.Server.StaffConsole.Shared;

/// <summary>Formatting shared by the console's pages.</summary>
public static class ConsoleFormat
{
    /// <summary>A UTC time in the organization's time zone (the server's if the zone is unknown).</summary>
    public static DateTime Local(DateTime utc, string? timeZone)
    {
        var zone = timeZone is not null && TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var z) ? z : TimeZoneInfo.Local;
        return TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
    }

    public static string Date(DateTime utc, string? timeZone) => Local(utc, timeZone).ToString("d", CultureInfo.CurrentCulture);

    public static string DateAndTime(DateTime utc, string? timeZone) => Local(utc, timeZone).ToString("g", CultureInfo.CurrentCulture);

    /// <summary>A language's own name ("italiano", "中文"), or the tag when unknown.</summary>
    public static string LanguageName(string tag)
    {
        try
        {
            return CultureInfo.GetCultureInfo(tag, predefinedOnly: true).NativeName;
        }
        catch (CultureNotFoundException)
        {
            return tag;
        }
    }
}
