using System.Globalization;
using System.Text.Json.Serialization;

namespace Piazza.Subscribers.Import;

/// <summary>What importing a list did, or would do (a dry run writes nothing).</summary>
/// <param name="DryRun">True for a check: nothing was written.</param>
/// <param name="ChannelId">The channel the list is imported into.</param>
/// <param name="FileName">The name of the imported file.</param>
/// <param name="RowsRead">Rows of subscribers read (the header row and empty rows are not counted).</param>
/// <param name="ToImport">Rows that are imported (or would be) as new subscribers.</param>
/// <param name="Imported">New subscribers written; always 0 for a dry run.</param>
/// <param name="Skipped">Rows skipped: the number is already subscribed on the channel, or its owner left the channel (an import never subscribes them again).</param>
/// <param name="BadRows">Rows with at least one problem. An import is refused, and nothing written, while there is any.</param>
/// <param name="ProblemCount">All the problems found (a row may have several); the first 200 are listed in problems.</param>
/// <param name="Problems">The first 200 problems: the row, the column and what is wrong.</param>
/// <param name="SkippedRows">The first 200 skipped rows, with the reason.</param>
public sealed record SubscriberImportReport(
    bool DryRun, Guid ChannelId, string FileName, int RowsRead, int ToImport, int Imported, int Skipped, int BadRows, int ProblemCount,
    IReadOnlyList<ImportRowMessage> Problems, IReadOnlyList<ImportRowMessage> SkippedRows)
{
    /// <summary>True when no row has a problem: the list can be imported.</summary>
    [JsonIgnore]
    public bool IsClean => BadRows == 0;
}

/// <summary>A remark on one row of an imported list.</summary>
/// <param name="Row">The row's number in the file as a spreadsheet shows it: the header is row 1, the first subscriber row 2.</param>
/// <param name="Column">The column concerned: phone, languages, topics, consent_date, source, or row for the row as a whole.</param>
/// <param name="Message">What is wrong or why the row was skipped (English).</param>
public sealed record ImportRowMessage(int Row, string Column, string Message)
{
    /// <summary>The message before its values were filled in (the console translates it, then fills them in).</summary>
    [JsonIgnore]
    public string Template { get; init; } = Message;

    /// <summary>The values of <see cref="Template"/>'s placeholders.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public static ImportRowMessage Of(int row, string column, string template, params string[] arguments) =>
        new(row, column, arguments.Length == 0 ? template : string.Format(CultureInfo.InvariantCulture, template, arguments))
        {
            Template = template,
            Arguments = arguments,
        };
}

/// <summary>The import was refused because rows of the list have problems; nothing was written. The API answers
/// 400 problem+json naming each bad row (<c>rows[12].phone</c>) with the whole report.</summary>
public sealed class SubscriberImportRefusedException(SubscriberImportReport report)
    : Exception($"The list has {report.BadRows} rows with problems: nothing was imported.")
{
    public SubscriberImportReport Report { get; } = report;

    /// <summary>The listed problems by field, <c>rows[{row}].{column}</c>, and a summary under <c>file</c>.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = BuildErrors(report);

    private static Dictionary<string, string[]> BuildErrors(SubscriberImportReport report)
    {
        var errors = report.Problems
            .GroupBy(p => $"rows[{p.Row.ToString(CultureInfo.InvariantCulture)}].{p.Column}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray(), StringComparer.Ordinal);
        errors["file"] = [ImportMessages.Refused];
        return errors;
    }
}

/// <summary>A checked list kept on the server so that the console can import exactly what it checked.</summary>
/// <param name="Report">The dry run's report.</param>
/// <param name="KeptId">The id to import it with, when the list is clean and has someone to import; else null (nothing kept).</param>
public sealed record KeptImportCheck(SubscriberImportReport Report, Guid? KeptId);

/// <summary>The form fields that go with an imported file.</summary>
/// <param name="PolicyVersion">Required: the version of the privacy notice the people of the list accepted (recorded with each subscriber).</param>
/// <param name="Source">Where the list comes from, for rows whose source column is empty (e.g. "WhatsEmpoli list 2024").</param>
/// <param name="FileName">The file's name, recorded as the consent evidence of each subscriber and in the audit log.</param>
public sealed record SubscriberImportInput(string? PolicyVersion, string? Source, string? FileName);
