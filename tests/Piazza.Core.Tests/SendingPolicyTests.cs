using Piazza.Broadcast;
using Xunit;

namespace Piazza.Core.Tests;

/// <summary>The sending policy's time rules, in Europe/Rome: WhatsEmpoli's service hours, night quiet hours,
/// calendar months, and the daylight-saving changes.</summary>
public sealed class SendingPolicyTests
{
    private static readonly TimeZoneInfo Rome = TimeZoneInfo.FindSystemTimeZoneById("Europe/Rome");

    private static readonly EffectivePolicy Empoli = Policy(SendingPolicy.DefaultServiceHours, SendingPolicy.DefaultQuietHours, 5);

    [Theory]
    [InlineData("Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00", "Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00")]
    [InlineData("lun-ven 9-13 15-18; sab 9-12", "Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00")]
    [InlineData("mon 8:30-12; wed 14:00-24:00", "Mon 08:30-12:00; Wed 14:00-24:00")]
    [InlineData("Sat-Sun 10:00-11:00", "Sat-Sun 10:00-11:00")]
    public void Weekly_hours_are_read_in_English_or_Italian_and_written_back_in_one_form(string text, string expected)
    {
        Assert.True(WeeklyHours.TryParse(text, out var hours, out var error), error);
        Assert.Equal(expected, hours.ToString());
        Assert.True(WeeklyHours.TryParse(hours.ToString(), out var again, out _));
        Assert.Equal(expected, again.ToString());
    }

    [Theory]
    [InlineData("Mon-Fri")]
    [InlineData("Fri-Mon 09:00-10:00")]
    [InlineData("Mon 09:00")]
    [InlineData("Mon 13:00-09:00")]
    [InlineData("Mon 09:00-12:00 11:00-13:00")]
    [InlineData("Funday 09:00-12:00")]
    [InlineData("Mon 25:00-26:00")]
    [InlineData("Mon 9:5-10")]
    public void Malformed_weekly_hours_are_refused_with_a_reason(string text)
    {
        Assert.False(WeeklyHours.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Empty_weekly_hours_mean_always()
    {
        Assert.True(WeeklyHours.TryParse("  ", out var hours, out _));
        Assert.True(hours.IsAlways);
        var now = Utc(2026, 11, 29, 3, 0); // a Sunday night
        Assert.Equal(now, hours.NextOpen(now, Rome));
    }

    [Theory]
    // local Rome time → when a routine bulletin released then may go (local)
    [InlineData("2026-11-23 10:00", "2026-11-23 10:00")] // Monday morning: now
    [InlineData("2026-11-23 08:59", "2026-11-23 09:00")] // before opening
    [InlineData("2026-11-23 09:00", "2026-11-23 09:00")] // opening minute included
    [InlineData("2026-11-23 12:59", "2026-11-23 12:59")]
    [InlineData("2026-11-23 13:00", "2026-11-23 15:00")] // closing minute excluded: lunch break
    [InlineData("2026-11-27 17:59", "2026-11-27 17:59")] // Friday afternoon
    [InlineData("2026-11-27 18:00", "2026-11-28 09:00")] // Friday evening → Saturday morning
    [InlineData("2026-11-28 12:00", "2026-11-30 09:00")] // Saturday noon → Monday
    [InlineData("2026-11-29 11:00", "2026-11-30 09:00")] // Sunday → Monday
    public void A_routine_bulletin_released_outside_service_hours_waits_for_the_next_window(string local, string expected)
    {
        var released = ToUtc(local);
        Assert.Equal(ToUtc(expected), Empoli.ReleaseTime(released));
    }

    [Fact]
    public void Windows_follow_the_daylight_saving_changes()
    {
        // Saturday 28 March 2026 12:00 CET → Monday 30 March 09:00 CEST (clocks went forward on Sunday).
        var released = ToUtc("2026-03-28 12:00");
        var next = Empoli.ReleaseTime(released);
        Assert.Equal(new DateTime(2026, 3, 30, 7, 0, 0, DateTimeKind.Utc), next);

        // A window opening in the skipped hour (02:00–03:00 on 29 March) opens at 03:00.
        var night = Policy("Sun 02:30-04:00", "", null);
        Assert.Equal(new DateTime(2026, 3, 29, 1, 0, 0, DateTimeKind.Utc), night.ReleaseTime(ToUtc("2026-03-28 20:00")));
    }

    [Theory]
    [InlineData("2026-11-23 20:59", false)]
    [InlineData("2026-11-23 21:00", true)]
    [InlineData("2026-11-24 03:00", true)]
    [InlineData("2026-11-24 07:59", true)]
    [InlineData("2026-11-24 08:00", false)]
    public void Quiet_hours_cross_midnight(string local, bool quiet)
    {
        Assert.Equal(quiet, Empoli.IsQuiet(ToUtc(local)));
    }

    [Fact]
    public void Quiet_hours_end_the_next_morning()
    {
        Assert.Equal(ToUtc("2026-11-24 08:00"), Empoli.QuietEnds(ToUtc("2026-11-23 22:15")));
        Assert.Equal(ToUtc("2026-11-24 08:00"), Empoli.QuietEnds(ToUtc("2026-11-24 01:15")));
        var day = ToUtc("2026-11-24 10:00");
        Assert.Equal(day, Empoli.QuietEnds(day));
    }

    [Fact]
    public void The_month_of_the_cap_is_the_calendar_month_in_the_organizations_time_zone()
    {
        // 30 November 23:30 UTC is already 1 December in Rome.
        Assert.Equal(new DateTime(2026, 11, 30, 23, 0, 0, DateTimeKind.Utc), Empoli.MonthStart(Utc(2026, 11, 30, 23, 30)));
        Assert.Equal(new DateTime(2026, 10, 31, 23, 0, 0, DateTimeKind.Utc), Empoli.MonthStart(Utc(2026, 11, 30, 22, 30)));
        // In summer Rome is UTC+2.
        Assert.Equal(new DateTime(2026, 6, 30, 22, 0, 0, DateTimeKind.Utc), Empoli.MonthStart(Utc(2026, 7, 15, 12, 0)));
    }

    [Fact]
    public void A_channel_overrides_the_organizations_policy_field_by_field()
    {
        var org = new SendingPolicy { MonthlyCap = 5, ServiceHours = SendingPolicy.DefaultServiceHours, QuietHours = "21:00-08:00" };
        var inherited = SendingPolicyService.Resolve(org, "Europe/Rome", new Dictionary<string, string>());
        Assert.Equal(5, inherited.MonthlyCap);
        Assert.False(inherited.ServiceHours.IsAlways);

        var own = SendingPolicyService.Resolve(org, "Europe/Rome", new Dictionary<string, string>
        {
            ["monthlyCap"] = "none", ["serviceHours"] = "always", ["quietHours"] = "22:00-07:00",
        });
        Assert.Null(own.MonthlyCap);
        Assert.True(own.ServiceHours.IsAlways);
        Assert.True(own.IsQuiet(ToUtc("2026-11-23 06:30")));
        Assert.False(own.IsQuiet(ToUtc("2026-11-23 07:30")));

        var none = SendingPolicyService.Resolve(org, "Europe/Rome", new Dictionary<string, string> { ["quietHours"] = "none", ["monthlyCap"] = "2" });
        Assert.Null(none.QuietHours);
        Assert.Equal(2, none.MonthlyCap);

        // No stored policy: the defaults of WhatsEmpoli.
        var defaults = SendingPolicyService.Resolve(null, "Europe/Rome", new Dictionary<string, string>());
        Assert.Equal(5, defaults.MonthlyCap);
        Assert.Equal(SendingPolicy.DefaultServiceHours, defaults.ServiceHours.ToString());
        Assert.Equal("21:00-08:00", defaults.QuietHours!.ToString());
    }

    private static EffectivePolicy Policy(string hours, string quiet, int? cap)
    {
        Assert.True(WeeklyHours.TryParse(hours, out var h, out _));
        Assert.True(DailyRange.TryParse(quiet, out var q, out _));
        return new EffectivePolicy(cap, h, q, Rome);
    }

    private static DateTime ToUtc(string local) =>
        TimeZoneInfo.ConvertTimeToUtc(DateTime.ParseExact(local, "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), Rome);

    private static DateTime Utc(int y, int m, int d, int h, int min) => new(y, m, d, h, min, 0, DateTimeKind.Utc);
}
