using System.Globalization;
using Piazza.Tenancy;

namespace Piazza.Broadcast;

/// <summary>An organization's sending policy (defaults from Empoli's WhatsEmpoli). A channel may override each field
/// through its settings (monthlyCap, serviceHours, quietHours). Emergencies are exempt from all three.</summary>
public sealed class SendingPolicy : IOrgOwned
{
    public const int DefaultMonthlyCap = 5;
    public const string DefaultServiceHours = "Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00";
    public const string DefaultQuietHours = "21:00-08:00";

    public Guid OrganizationId { get; set; }

    /// <summary>At most this many routine messages per subscriber per calendar month; null means no cap.</summary>
    public int? MonthlyCap { get; set; } = DefaultMonthlyCap;

    /// <summary>When routine bulletins may be released, in <see cref="WeeklyHours"/> syntax; empty means any time.</summary>
    public string ServiceHours { get; set; } = DefaultServiceHours;

    /// <summary>Citizens' quiet hours, when no routine message is sent (<see cref="DailyRange"/> syntax); empty means none.</summary>
    public string QuietHours { get; set; } = DefaultQuietHours;

    public DateTime UpdatedAt { get; set; }
}

/// <summary>The policy that applies to one channel: the organization's, with the channel's overrides, in the
/// organization's time zone.</summary>
/// <param name="MonthlyCap">Routine messages per subscriber per calendar month, or null for no cap.</param>
/// <param name="ServiceHours">When routine bulletins may be released.</param>
/// <param name="QuietHours">When routine messages are held back.</param>
/// <param name="TimeZone">The organization's time zone.</param>
public sealed record EffectivePolicy(int? MonthlyCap, WeeklyHours ServiceHours, DailyRange? QuietHours, TimeZoneInfo TimeZone)
{
    /// <summary>When a routine delivery released at <paramref name="utcNow"/> may go: now inside service hours,
    /// else the start of the next window.</summary>
    public DateTime ReleaseTime(DateTime utcNow) => ServiceHours.NextOpen(utcNow, TimeZone);

    public bool IsQuiet(DateTime utcNow) => QuietHours?.Contains(TimeOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utcNow, TimeZone))) ?? false;

    /// <summary>When the current quiet period ends (UTC), or <paramref name="utcNow"/> when it is not quiet.</summary>
    public DateTime QuietEnds(DateTime utcNow)
    {
        if (QuietHours is not { } quiet || !IsQuiet(utcNow))
        {
            return utcNow;
        }

        var local = TimeZoneInfo.ConvertTimeFromUtc(utcNow, TimeZone);
        var end = local.Date + quiet.To.ToTimeSpan();
        if (end <= local)
        {
            end = end.AddDays(1);
        }

        return WeeklyHours.ToUtc(end, TimeZone);
    }

    /// <summary>The start (UTC) of the calendar month that contains <paramref name="utcNow"/>, in the organization's time zone.</summary>
    public DateTime MonthStart(DateTime utcNow)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utcNow, TimeZone);
        return WeeklyHours.ToUtc(new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified), TimeZone);
    }
}

/// <summary>A time of day range, e.g. quiet hours "21:00-08:00" (may cross midnight). From is included, To is not.</summary>
public sealed record DailyRange(TimeOnly From, TimeOnly To)
{
    public bool Contains(TimeOnly t) => From <= To ? t >= From && t < To : t >= From || t < To;

    public override string ToString() => Format(From) + "-" + Format(To);

    private static string Format(TimeOnly t) => t == TimeOnly.MaxValue ? "24:00" : t.ToString("HH\\:mm", CultureInfo.InvariantCulture);

    /// <summary>Parses "21:00-08:00" (or "21-8"); empty text is no range (null) and no error.</summary>
    public static bool TryParse(string? text, out DailyRange? range, out string? error)
    {
        range = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !WeeklyHours.TryParseTime(parts[0], out var from) || !WeeklyHours.TryParseTime(parts[1], out var to))
        {
            error = "Write a range of hours such as 21:00-08:00.";
            return false;
        }

        if (from == to)
        {
            error = "The range starts and ends at the same time.";
            return false;
        }

        range = new DailyRange(from, to);
        return true;
    }
}

/// <summary>
/// Opening hours over a week, e.g. "Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00". Days in English (Mon…Sun) or
/// Italian (lun…dom); ranges as HH:mm-HH:mm or H-H; ";" separates groups. No groups means always open.
/// </summary>
public sealed class WeeklyHours
{
    private static readonly string[] English = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private static readonly string[] Italian = ["dom", "lun", "mar", "mer", "gio", "ven", "sab"];
    private static readonly string[] Display = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    private readonly List<DailyRange>[] _byDay;

    private WeeklyHours(List<DailyRange>[]? byDay)
    {
        IsAlways = byDay is null;
        _byDay = byDay ?? Enumerable.Range(0, 7).Select(_ => new List<DailyRange>()).ToArray();
    }

    /// <summary>No restriction.</summary>
    public static WeeklyHours Always { get; } = new(null);

    public bool IsAlways { get; }

    public IReadOnlyList<DailyRange> On(DayOfWeek day) => _byDay[(int)day];

    /// <summary>Whether a local time is inside the hours.</summary>
    public bool Contains(DateTime local)
    {
        if (IsAlways)
        {
            return true;
        }

        var t = TimeOnly.FromDateTime(local);
        return _byDay[(int)local.DayOfWeek].Any(r => t >= r.From && t < r.To);
    }

    /// <summary><paramref name="utcNow"/> when inside the hours, else the start (UTC) of the next window.</summary>
    public DateTime NextOpen(DateTime utcNow, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(utcNow, zone);
        if (Contains(local))
        {
            return utcNow;
        }

        for (var d = 0; d <= 7; d++)
        {
            var day = local.Date.AddDays(d);
            foreach (var r in _byDay[(int)day.DayOfWeek].OrderBy(r => r.From))
            {
                var start = day + r.From.ToTimeSpan();
                if (start > local)
                {
                    return ToUtc(start, zone);
                }
            }
        }

        return utcNow; // no window at all cannot be parsed; be safe
    }

    /// <summary>A local wall-clock time to UTC; a time skipped by a daylight-saving change moves forward an hour.</summary>
    public static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }

    public override string ToString()
    {
        if (IsAlways)
        {
            return string.Empty;
        }

        // Group consecutive days with the same ranges: "Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00".
        var groups = new List<string>();
        var order = new[] { 1, 2, 3, 4, 5, 6, 0 };
        var i = 0;
        while (i < order.Length)
        {
            var ranges = _byDay[order[i]];
            var j = i;
            while (j + 1 < order.Length && Same(_byDay[order[j + 1]], ranges))
            {
                j++;
            }

            if (ranges.Count > 0)
            {
                var days = i == j ? Display[order[i]] : Display[order[i]] + "-" + Display[order[j]];
                groups.Add(days + " " + string.Join(' ', ranges.Select(r => r.ToString())));
            }

            i = j + 1;
        }

        return string.Join("; ", groups);
    }

    /// <summary>Parses the text; empty or null means always open.</summary>
    public static bool TryParse(string? text, out WeeklyHours hours, out string? error)
    {
        hours = Always;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var byDay = Enumerable.Range(0, 7).Select(_ => new List<DailyRange>()).ToArray();
        foreach (var group in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var tokens = group.Replace(",", " ", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length < 2 || !TryParseDays(tokens[0], out var days))
            {
                error = $"\"{group}\": start with days (Mon-Fri, Sat…) followed by hours such as 09:00-13:00.";
                return false;
            }

            foreach (var token in tokens.Skip(1))
            {
                if (!DailyRange.TryParse(token, out var range, out _) || range is null || range.From >= range.To)
                {
                    error = $"\"{token}\" is not a range of hours within a day, such as 09:00-13:00.";
                    return false;
                }

                foreach (var d in days)
                {
                    byDay[d].Add(range);
                }
            }
        }

        foreach (var list in byDay)
        {
            list.Sort((a, b) => a.From.CompareTo(b.From));
            for (var k = 1; k < list.Count; k++)
            {
                if (list[k].From < list[k - 1].To)
                {
                    error = "Two ranges of the same day overlap.";
                    return false;
                }
            }
        }

        hours = new WeeklyHours(byDay);
        return true;
    }

    internal static bool TryParseTime(string text, out TimeOnly time)
    {
        time = default;
        var parts = text.Trim().Split(':');
        if (parts.Length is < 1 or > 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || (parts.Length == 2 && (parts[1].Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))))
        {
            return false;
        }

        var m = parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        if (h == 24 && m == 0)
        {
            time = TimeOnly.MaxValue; // end of day
            return true;
        }

        if (h is < 0 or > 23 || m is < 0 or > 59)
        {
            return false;
        }

        time = new TimeOnly(h, m);
        return true;
    }

    private static bool TryParseDays(string token, out List<int> days)
    {
        days = [];
        var ends = token.Split('-');
        if (ends.Length is < 1 or > 2)
        {
            return false;
        }

        var first = DayIndex(ends[0]);
        var last = ends.Length == 2 ? DayIndex(ends[1]) : first;
        if (first < 0 || last < 0)
        {
            return false;
        }

        // Monday-first week: Mon-Sun is every day, Sat-Sun the weekend.
        var a = (first + 6) % 7;
        var b = (last + 6) % 7;
        if (b < a)
        {
            return false;
        }

        for (var k = a; k <= b; k++)
        {
            days.Add((k + 1) % 7);
        }

        return true;
    }

    private static int DayIndex(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        if (n.Length < 3)
        {
            return -1;
        }

        n = n[..3];
        var i = Array.IndexOf(English, n);
        return i >= 0 ? i : Array.IndexOf(Italian, n);
    }

    private static bool Same(List<DailyRange> a, List<DailyRange> b) => a.SequenceEqual(b);
}
