using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Localization;
using Piazza.Broadcast;
using Piazza.Posts;

namespace Piazza.Server.StaffConsole.Shared;

/// <summary>Words of the bulletin pages: states, priorities, delivery states, and the workflow's history notes (written
/// in English by the services) in the reader's language.</summary>
public static partial class BulletinLabels
{
    /// <summary>The delivery states in the order the pages show them.</summary>
    public static readonly DeliveryState[] DeliveryStates =
    [
        DeliveryState.Queued, DeliveryState.Sending, DeliveryState.Sent, DeliveryState.Delivered, DeliveryState.Read,
        DeliveryState.Failed, DeliveryState.Skipped, DeliveryState.Cancelled,
    ];

    public static string State(PostState state, IStringLocalizer T) => state switch
    {
        PostState.Draft => T["Draft"],
        PostState.InTranslation => T["In translation"],
        PostState.InReview => T["Waiting for approval"],
        PostState.Approved => T["Approved"],
        PostState.Scheduled => T["Scheduled"],
        PostState.Sending => T["Sending"],
        PostState.Sent => T["Sent"],
        PostState.PartlyFailed => T["Sent with failures"],
        PostState.Cancelled => T["Cancelled"],
        _ => state.ToString(),
    };

    /// <summary>Bootstrap classes of a state's badge (text always dark on light colours, white on dark ones).</summary>
    public static string StateClass(PostState state) => state switch
    {
        PostState.Draft => "bg-light text-dark border",
        PostState.InTranslation => "badge-soft-warning",
        PostState.InReview => "badge-soft-info",
        PostState.Approved or PostState.Scheduled => "bg-primary",
        PostState.Sending => "bg-primary",
        PostState.Sent => "bg-success",
        PostState.PartlyFailed => "bg-danger",
        PostState.Cancelled => "bg-secondary",
        _ => "bg-secondary",
    };

    public static string Priority(PostPriority priority, IStringLocalizer T) => priority switch
    {
        PostPriority.Normal => T["Normal"],
        PostPriority.Urgent => T["Urgent"],
        PostPriority.Emergency => T["Emergency"],
        _ => priority.ToString(),
    };

    public static string PriorityClass(PostPriority priority) => priority switch
    {
        PostPriority.Emergency => "bg-danger",
        PostPriority.Urgent => "badge-soft-warning",
        _ => "bg-light text-dark border",
    };

    /// <summary>A column heading for deliveries in a state.</summary>
    public static string Delivery(DeliveryState state, IStringLocalizer T) => state switch
    {
        DeliveryState.Queued => T["Queued"],
        DeliveryState.Sending => T["Being sent"],
        DeliveryState.Sent => T["Sent to the platform"],
        DeliveryState.Delivered => T["Delivered"],
        DeliveryState.Read => T["Read"],
        DeliveryState.Failed => T["Failed"],
        DeliveryState.Skipped => T["Skipped (monthly cap)"],
        DeliveryState.Cancelled => T["Not sent (cancelled)"],
        _ => state.ToString(),
    };

    public static int Count(DeliveryCounts counts, DeliveryState state) => state switch
    {
        DeliveryState.Queued => counts.Queued,
        DeliveryState.Sending => counts.Sending,
        DeliveryState.Sent => counts.Sent,
        DeliveryState.Delivered => counts.Delivered,
        DeliveryState.Read => counts.Read,
        DeliveryState.Failed => counts.Failed,
        DeliveryState.Skipped => counts.Skipped,
        DeliveryState.Cancelled => counts.Cancelled,
        _ => 0,
    };

    /// <summary>The camelCase name of a count in the progress JSON (e.g. "queued").</summary>
    public static string CountKey(DeliveryState state) => JsonName(state.ToString());

    /// <summary>A language as "中文 (zh)".</summary>
    public static string Language(string tag) => $"{ConsoleFormat.LanguageName(tag)} ({tag})";

    /// <summary>A history note of the services in the reader's language; notes written by people, and notes not
    /// recognised, are shown as they are.</summary>
    public static string HistoryNote(string? note, IStringLocalizer T, OrganizationClock clock)
    {
        if (string.IsNullOrWhiteSpace(note))
        {
            return string.Empty;
        }

        var known = T[note];
        if (!known.ResourceNotFound)
        {
            return known.Value;
        }

        if (ReviewedNote().Match(note) is { Success: true } reviewed)
        {
            return string.Format(CultureInfo.CurrentCulture, T["Translation {0} reviewed."], reviewed.Groups[1].Value);
        }

        if (SendAtNote().Match(note) is { Success: true } at
            && DateTime.TryParseExact(at.Groups[1].Value, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var when))
        {
            return string.Format(CultureInfo.CurrentCulture, T["To be sent at {0}."], clock.Format(when));
        }

        if (CurrentUntilNote().Match(note) is { Success: true } until
            && DateTime.TryParseExact(until.Groups[1].Value, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var end))
        {
            return string.Format(CultureInfo.CurrentCulture, T["Current until {0}."], clock.Format(end));
        }

        if (note.StartsWith(SentBack, StringComparison.Ordinal))
        {
            return (T["Sent back to the author."] + " " + note[SentBack.Length..].Trim()).Trim();
        }

        if (CancelledNote().Match(note) is { Success: true } cancelled)
        {
            return (string.Format(CultureInfo.CurrentCulture, T["{0} queued messages cancelled."], cancelled.Groups[1].Value) + " " + cancelled.Groups[2].Value.Trim()).Trim();
        }

        if (FinishedNote().Match(note) is { Success: true } finished)
        {
            return string.Format(
                CultureInfo.CurrentCulture, T["{0} sent, {1} failed, {2} skipped by the monthly cap, {3} cancelled."],
                finished.Groups[1].Value, finished.Groups[2].Value, finished.Groups[3].Value, finished.Groups[4].Value);
        }

        if (note.StartsWith(Released, StringComparison.Ordinal) && note.EndsWith('.'))
        {
            var parts = note[Released.Length..^1].Split("; ").Select(p => ReleasePart(p, T));
            return T["Released:"] + " " + string.Join("; ", parts) + ".";
        }

        return note;
    }

    private const string SentBack = "Sent back to the author.";
    private const string Released = "Released: ";

    private static string ReleasePart(string part, IStringLocalizer T)
    {
        var waiting = string.Empty;
        if (WaitingPart().Match(part) is { Success: true } w)
        {
            part = part[..w.Index];
            waiting = DateTime.TryParseExact(w.Groups[1].Value, "ddd d MMM HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var until)
                ? string.Format(CultureInfo.CurrentCulture, T[", waiting for the service hours until {0}"], until.ToString("ddd d MMM HH:mm", CultureInfo.CurrentCulture))
                : string.Format(CultureInfo.CurrentCulture, T[", waiting for the service hours until {0}"], w.Groups[1].Value);
        }

        if (SubscribersPart().Match(part) is { Success: true } s)
        {
            var text = string.Format(CultureInfo.CurrentCulture, T["{0}: {1} subscribers"], s.Groups[1].Value, s.Groups[2].Value);
            if (s.Groups[3].Success)
            {
                text += " " + string.Format(CultureInfo.CurrentCulture, T["({0} skipped: monthly cap of {1} reached)"], s.Groups[3].Value, s.Groups[4].Value);
            }

            return text + waiting;
        }

        if (part.EndsWith(": one post to the whole channel", StringComparison.Ordinal))
        {
            return string.Format(CultureInfo.CurrentCulture, T["{0}: one post to the whole channel"], part[..^": one post to the whole channel".Length]) + waiting;
        }

        if (part.EndsWith(": disabled, nothing sent", StringComparison.Ordinal))
        {
            return string.Format(CultureInfo.CurrentCulture, T["{0}: disabled, nothing sent"], part[..^": disabled, nothing sent".Length]) + waiting;
        }

        return part + waiting;
    }

    /// <summary>A preview's HTML for a console page: the headings of a web preview become styled blocks, so that the
    /// page keeps one outline of its own (a screen reader lists the page's headings, not the bulletin's).</summary>
    public static string PreviewMarkup(string html) => ClosingHeading().Replace(OpeningHeading().Replace(html, "<div class=\"preview-h$1\">"), "</div>");

    private static string JsonName(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    [GeneratedRegex(@"<h([1-6])(?:\s[^>]*)?>")]
    private static partial Regex OpeningHeading();

    [GeneratedRegex(@"</h[1-6]>")]
    private static partial Regex ClosingHeading();

    [GeneratedRegex(@"^Translation (\S+) reviewed\.$")]
    private static partial Regex ReviewedNote();

    [GeneratedRegex(@"^To be sent at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC\.$")]
    private static partial Regex SendAtNote();

    [GeneratedRegex(@"^Current until (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC\.$")]
    private static partial Regex CurrentUntilNote();

    [GeneratedRegex(@"^(\d+) queued messages cancelled\.(.*)$", RegexOptions.Singleline)]
    private static partial Regex CancelledNote();

    [GeneratedRegex(@"^(\d+) sent, (\d+) failed, (\d+) skipped by the monthly cap, (\d+) cancelled\.$")]
    private static partial Regex FinishedNote();

    [GeneratedRegex(@", waiting for the service hours until (.+)$")]
    private static partial Regex WaitingPart();

    [GeneratedRegex(@"^(.+): (\d+) subscribers(?: \((\d+) skipped: monthly cap of (\d+) reached\))?$")]
    private static partial Regex SubscribersPart();
}
