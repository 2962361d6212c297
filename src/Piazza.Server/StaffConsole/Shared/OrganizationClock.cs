using System.Globalization;

namespace Piazza.Server.StaffConsole.Shared;

/// <summary>Shows UTC times of the database in the organization's time zone.</summary>
public sealed class OrganizationClock(string? timeZoneId)
{
    private readonly TimeZoneInfo _zone = timeZoneId is not null && TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out var z) ? z : TimeZoneInfo.Utc;

    public TimeZoneInfo Zone => _zone;

    /// <summary>Date and time, e.g. 05/03/2025 14:07 (in the current culture's short format).</summary>
    public string Format(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), _zone).ToString("g", CultureInfo.CurrentCulture);

    /// <summary>Weekday, day, month and time, e.g. "Fri 27 Nov 09:00" (in the current culture's names).</summary>
    public string FormatWithDay(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), _zone).ToString("ddd d MMM HH:mm", CultureInfo.CurrentCulture);

    /// <summary>Like <see cref="Format(DateTime)"/>, with seconds.</summary>
    public string FormatLong(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), _zone).ToString("G", CultureInfo.CurrentCulture);

    /// <summary>The ISO 8601 value for a &lt;time datetime="…"&gt; attribute.</summary>
    public static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
}
