using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Channels;
using Piazza.Common;

namespace Piazza.Broadcast;

/// <summary>The organization's sending policy.</summary>
/// <param name="MonthlyCap">Routine messages per subscriber per calendar month; null for no cap.</param>
/// <param name="ServiceHours">When routine bulletins may be released, e.g. "Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00"; empty for any time.</param>
/// <param name="QuietHours">Citizens' quiet hours, e.g. "21:00-08:00"; empty for none.</param>
/// <param name="TimeZone">The organization's time zone, in which the hours are read.</param>
public sealed record SendingPolicyView(int? MonthlyCap, string ServiceHours, string QuietHours, string TimeZone);

/// <summary>A change of the sending policy.</summary>
/// <param name="MonthlyCap">1–1000, or null for no cap.</param>
/// <param name="ServiceHours">Days and hours; empty for any time.</param>
/// <param name="QuietHours">A range of hours; empty for none.</param>
public sealed record SendingPolicyInput(int? MonthlyCap, string? ServiceHours, string? QuietHours);

public sealed class SendingPolicyService(ServiceContext ctx)
{
    public async Task<SendingPolicyView> GetAsync(CancellationToken ct)
    {
        ctx.Require(Scopes.OrganizationRead);
        var policy = await LoadAsync(ctx.Db, ct) ?? new SendingPolicy();
        var zone = await ctx.Db.Organizations.AsNoTracking().Select(o => o.TimeZone).FirstAsync(ct);
        return new SendingPolicyView(policy.MonthlyCap, policy.ServiceHours, policy.QuietHours, zone);
    }

    public async Task<SendingPolicyView> UpdateAsync(SendingPolicyInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.OrganizationWrite);
        var v = new Validation().When(input.MonthlyCap is < 1 or > 1000, "monthlyCap", "Write a whole number from 1 to 1000, or leave it empty for no cap.");
        if (!WeeklyHours.TryParse(input.ServiceHours, out var hours, out _))
        {
            v.Add("serviceHours", "Write days and hours such as Mon-Fri 09:00-13:00 15:00-18:00; Sat 09:00-12:00, or leave it empty for any time.");
        }

        if (!DailyRange.TryParse(input.QuietHours, out var quiet, out _))
        {
            v.Add("quietHours", "Write a range of hours such as 21:00-08:00, or leave it empty for none.");
        }

        v.ThrowIfInvalid();
        var policy = await ctx.Db.SendingPolicies.FirstOrDefaultAsync(ct);
        if (policy is null)
        {
            policy = new SendingPolicy { OrganizationId = ctx.OrganizationId };
            ctx.Db.SendingPolicies.Add(policy);
        }

        policy.MonthlyCap = input.MonthlyCap;
        policy.ServiceHours = hours.ToString();
        policy.QuietHours = quiet?.ToString() ?? string.Empty;
        policy.UpdatedAt = ctx.Now;
        ctx.Audit.Record("sending-policy.updated", "organization", ctx.OrganizationId.ToString(),
            $"cap {policy.MonthlyCap?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; service hours {(policy.ServiceHours.Length == 0 ? "any time" : policy.ServiceHours)}; quiet hours {(policy.QuietHours.Length == 0 ? "none" : policy.QuietHours)}");
        await ctx.Db.SaveChangesAsync(ct);
        return await GetAsync(ct);
    }

    /// <summary>The organization's stored policy, or null when it keeps the defaults.</summary>
    public static Task<SendingPolicy?> LoadAsync(Data.PiazzaDb db, CancellationToken ct) => db.SendingPolicies.AsNoTracking().FirstOrDefaultAsync(ct);

    /// <summary>The policy of one channel: the organization's, overridden by the channel's settings.</summary>
    public static EffectivePolicy Resolve(SendingPolicy? organization, string timeZone, IReadOnlyDictionary<string, string> channelSettings)
    {
        organization ??= new SendingPolicy();
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var z) ? z : TimeZoneInfo.Utc;

        var cap = organization.MonthlyCap;
        if (channelSettings.TryGetValue(BroadcastSettings.MonthlyCap, out var capText) && !string.IsNullOrWhiteSpace(capText))
        {
            cap = int.TryParse(capText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var c) ? c : null;
        }

        var hoursText = channelSettings.TryGetValue(BroadcastSettings.ServiceHours, out var h) && !string.IsNullOrWhiteSpace(h) ? h : organization.ServiceHours;
        if (string.Equals(hoursText, "always", StringComparison.OrdinalIgnoreCase) || !WeeklyHours.TryParse(hoursText, out var hours, out _))
        {
            hours = WeeklyHours.Always;
        }

        var quietText = channelSettings.TryGetValue(BroadcastSettings.QuietHours, out var q) && !string.IsNullOrWhiteSpace(q) ? q : organization.QuietHours;
        DailyRange? quiet = null;
        if (!string.Equals(quietText, "none", StringComparison.OrdinalIgnoreCase) && DailyRange.TryParse(quietText, out var parsed, out _))
        {
            quiet = parsed;
        }

        return new EffectivePolicy(cap, hours, quiet, zone);
    }

    /// <summary>The channel's rate limit in messages a second: its setting, else the platform's default.</summary>
    public static int RateOf(ChannelDefinition? definition, IReadOnlyDictionary<string, string> settings)
    {
        var text = settings.TryGetValue(BroadcastSettings.RateLimit, out var r) && !string.IsNullOrWhiteSpace(r) ? r : definition?.Setting(BroadcastSettings.RateLimit)?.Default;
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rate) && rate > 0 ? rate : 1;
    }
}
