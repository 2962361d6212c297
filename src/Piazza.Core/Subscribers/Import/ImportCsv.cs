using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Piazza.Subscribers.Import;

/// <summary>The rules of an imported list's file and cells, without the database: decoding, the separator, the
/// header, phone numbers, dates and the cells that hold several values.</summary>
/// <remarks>
/// The file: UTF-8 (with or without BOM; a file that is not valid UTF-8 is read as Windows-1252, which is what Excel
/// writes for "CSV (separated by semicolons)" in Italy), separated by commas or semicolons (the header row decides),
/// a header row naming the columns <c>phone,languages,topics,consent_date,source</c> in any order (source may be left out).
/// Several values in one cell are separated by <c>|</c> whatever separates the cells (<c>zh|it</c>, <c>water|schools</c>);
/// languages may also be separated by spaces.
/// </remarks>
public static partial class ImportCsv
{
    public const int MaxBytes = 5 * 1024 * 1024;

    public const int MaxRows = 100_000;

    public const string Phone = "phone";
    public const string Languages = "languages";
    public const string Topics = "topics";
    public const string ConsentDate = "consent_date";
    public const string Source = "source";

    /// <summary>The header row of the template.</summary>
    public const string Header = "phone,languages,topics,consent_date,source";

    /// <summary>Every column, in the template's order.</summary>
    public static readonly IReadOnlyList<string> Columns = [Phone, Languages, Topics, ConsentDate, Source];

    /// <summary>The columns a file must have; <see cref="Source"/> may be left out (the form's source is used).</summary>
    public static readonly IReadOnlyList<string> RequiredColumns = [Phone, Languages, Topics, ConsentDate];

    /// <summary>"All topics" in the topics column.</summary>
    public const string AllTopics = "*";

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text of the file: UTF-8 without its BOM, else Windows-1252.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(1252)!.GetString(bytes);
        }
    }

    /// <summary>True for a zip archive (an .xlsx workbook) rather than text.</summary>
    public static bool IsZip(ReadOnlySpan<byte> bytes) => bytes.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x03, 0x04]);

    /// <summary>The separator of the cells: the one of comma and semicolon that the first line holds more of
    /// (outside quotes); a comma when it holds neither.</summary>
    public static char DetectDelimiter(string text)
    {
        int commas = 0, semicolons = 0;
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '\n' or '\r')
            {
                break;
            }
            else if (!quoted && c == ',')
            {
                commas++;
            }
            else if (!quoted && c == ';')
            {
                semicolons++;
            }
        }

        return semicolons > commas ? ';' : ',';
    }

    /// <summary>A header cell as a column name: trimmed, lower case, spaces and dashes as underscores ("Consent date" → consent_date).</summary>
    public static string ColumnName(string cell) =>
        SeparatorRegex().Replace(cell.Trim().Trim('\uFEFF').Trim().ToLowerInvariant(), "_");

    /// <summary>A phone number in E.164 (+ and 8 to 15 digits), or why the cell is not one. Spaces, dashes, dots,
    /// slashes and parentheses are only formatting and are removed.</summary>
    public static PhoneCheck CheckPhone(string cell)
    {
        var text = cell.Trim();
        if (text.Length == 0)
        {
            return PhoneCheck.Bad(ImportMessages.PhoneRequired);
        }

        if (ScientificRegex().IsMatch(text))
        {
            return PhoneCheck.Bad(ImportMessages.PhoneScientific);
        }

        var compact = FormattingRegex().Replace(text, string.Empty);
        if (compact.StartsWith("00", StringComparison.Ordinal) && compact.Length > 2 && compact.All(char.IsAsciiDigit))
        {
            return PhoneCheck.Bad(ImportMessages.PhoneDoubleZero);
        }

        if (!compact.StartsWith('+'))
        {
            if (compact.Length > 0 && compact.All(char.IsAsciiDigit))
            {
                // An Italian mobile (3…) or landline (0…) number written as dialled at home, or an international number whose + was lost.
                return compact.Length <= 10 || compact[0] == '0'
                    ? PhoneCheck.Bad(ImportMessages.PhoneNoCountryCode)
                    : PhoneCheck.Bad(ImportMessages.PhoneNoPlus, compact);
            }

            return PhoneCheck.Bad(ImportMessages.PhoneCharacters);
        }

        var digits = compact[1..];
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            return PhoneCheck.Bad(ImportMessages.PhoneCharacters);
        }

        if (digits.Length < 8)
        {
            return PhoneCheck.Bad(ImportMessages.PhoneTooShort);
        }

        return digits.Length > 15 ? PhoneCheck.Bad(ImportMessages.PhoneTooLong) : new PhoneCheck(compact, null, []);
    }

    /// <summary>The languages of a cell: separated by |, spaces, commas or semicolons (a tag holds none of them).</summary>
    public static IReadOnlyList<string> SplitLanguages(string cell) =>
        cell.Split(['|', ' ', '\t', ',', ';', '\u00A0'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The topics of a cell: separated by | (a topic's name may hold spaces and commas).</summary>
    public static IReadOnlyList<string> SplitTopics(string cell) =>
        cell.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A topic's key or name as compared: trimmed, inner spaces collapsed, case ignored.</summary>
    public static string TopicText(string text) => SpaceRegex().Replace(text.Trim(), " ").ToUpperInvariant();

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd", "yyyy-M-d", "dd/MM/yyyy", "d/M/yyyy",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "dd/MM/yyyy HH:mm", "dd/MM/yyyy HH:mm:ss", "d/M/yyyy H:mm", "d/M/yyyy H:mm:ss",
    ];

    private static readonly string[] OffsetFormats = ["yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mmzzz"];

    private static readonly string[] UtcFormats = ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm'Z'"];

    /// <summary>A consent date: ISO (2024-03-01, optionally with a time) or Italian, day first (01/03/2024), in
    /// <paramref name="zone"/>; or ISO 8601 with an offset or Z. Returns it in UTC.</summary>
    public static bool TryParseDate(string cell, TimeZoneInfo zone, out DateTime utc)
    {
        var text = cell.Trim();
        if (DateTimeOffset.TryParseExact(text, UtcFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var withOffset)
            || DateTimeOffset.TryParseExact(text, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out withOffset))
        {
            utc = withOffset.UtcDateTime;
            return true;
        }

        if (!DateTime.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            utc = default;
            return false;
        }

        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30); // a time skipped by a daylight-saving change: the first valid one after it
        }

        utc = TimeZoneInfo.ConvertTimeToUtc(local, zone);
        return true;
    }

    [GeneratedRegex(@"[\s\-]+")]
    private static partial Regex SeparatorRegex();

    [GeneratedRegex(@"[\s\-./()\u00A0]+")]
    private static partial Regex FormattingRegex();

    [GeneratedRegex(@"^\+?[0-9]([.,][0-9]+)?[eE]\+?[0-9]+$")]
    private static partial Regex ScientificRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpaceRegex();
}

/// <summary>The outcome of <see cref="ImportCsv.CheckPhone"/>.</summary>
/// <param name="Number">The number in E.164 (+393331234567), or null.</param>
/// <param name="Problem">Why the cell is not a number (a template of <see cref="ImportMessages"/>), or null.</param>
/// <param name="Arguments">The values of the problem's placeholders.</param>
public sealed record PhoneCheck(string? Number, string? Problem, string[] Arguments)
{
    public static PhoneCheck Bad(string problem, params string[] arguments) => new(null, problem, arguments);
}
