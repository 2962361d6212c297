using System.Reflection;
using System.Text;
using System.Xml.Linq;
using Piazza.Subscribers.Import;
using Xunit;

namespace Piazza.Core.Tests;

/// <summary>The cell and file rules of a list import (<see cref="ImportCsv"/>), without a database.</summary>
public sealed class SubscriberImportRulesTests
{
    private static readonly TimeZoneInfo Rome = TimeZoneInfo.FindSystemTimeZoneById("Europe/Rome");

    [Theory]
    [InlineData("+393331234567", "+393331234567")]
    [InlineData(" +39 333 123 4567 ", "+393331234567")]
    [InlineData("+39-333-123-4567", "+393331234567")]
    [InlineData("+39 (0)55.123.4567", "+390551234567")]
    [InlineData("+8613812345678", "+8613812345678")]
    [InlineData("+12025550123", "+12025550123")]
    [InlineData("+12345678", "+12345678")]
    [InlineData("+123456789012345", "+123456789012345")]
    public void Numbers_in_international_format_are_accepted_without_their_formatting(string cell, string expected)
    {
        var check = ImportCsv.CheckPhone(cell);
        Assert.Null(check.Problem);
        Assert.Equal(expected, check.Number);
    }

    [Theory]
    [InlineData("", ImportMessages.PhoneRequired)]
    [InlineData("3331234567", ImportMessages.PhoneNoCountryCode)]
    [InlineData("333 123 4567", ImportMessages.PhoneNoCountryCode)]
    [InlineData("0551234567", ImportMessages.PhoneNoCountryCode)]
    [InlineData("00393331234567", ImportMessages.PhoneDoubleZero)]
    [InlineData("393331234567", ImportMessages.PhoneNoPlus)]
    [InlineData("3.93331E+11", ImportMessages.PhoneScientific)]
    [InlineData("3,93331E+11", ImportMessages.PhoneScientific)]
    [InlineData("+39 333 CALL ME", ImportMessages.PhoneCharacters)]
    [InlineData("+", ImportMessages.PhoneCharacters)]
    [InlineData("+1234567", ImportMessages.PhoneTooShort)]
    [InlineData("+1234567890123456", ImportMessages.PhoneTooLong)]
    [InlineData("Mario Rossi", ImportMessages.PhoneCharacters)]
    public void Numbers_not_in_E164_say_what_is_wrong(string cell, string problem)
    {
        var check = ImportCsv.CheckPhone(cell);
        Assert.Null(check.Number);
        Assert.Equal(problem, check.Problem);
    }

    [Fact]
    public void A_number_whose_plus_was_lost_is_shown_with_it()
    {
        var check = ImportCsv.CheckPhone("393331234567");
        Assert.Equal(["393331234567"], check.Arguments);
    }

    [Theory]
    [InlineData("2024-03-01", "2024-02-29T23:00:00Z")]
    [InlineData("01/03/2024", "2024-02-29T23:00:00Z")]
    [InlineData("1/3/2024", "2024-02-29T23:00:00Z")]
    [InlineData("2024-07-15 14:30", "2024-07-15T12:30:00Z")]
    [InlineData("15/07/2024 14:30", "2024-07-15T12:30:00Z")]
    [InlineData("2024-07-15T14:30:00Z", "2024-07-15T14:30:00Z")]
    [InlineData("2024-07-15T14:30:00+02:00", "2024-07-15T12:30:00Z")]
    [InlineData("2024-03-31 02:30", "2024-03-31T01:00:00Z")]
    [InlineData("2024-07-15T14:30:00", "2024-07-15T12:30:00Z")]
    public void Consent_dates_are_read_in_the_organization_time_zone(string cell, string expectedUtc)
    {
        Assert.True(ImportCsv.TryParseDate(cell, Rome, out var utc));
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
        Assert.Equal(DateTime.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal), utc);
    }

    [Theory]
    [InlineData("03/01/24")]
    [InlineData("2024-13-01")]
    [InlineData("31/02/2024")]
    [InlineData("1 marzo 2024")]
    [InlineData("45352")]
    public void Other_dates_are_refused(string cell)
    {
        Assert.False(ImportCsv.TryParseDate(cell, Rome, out _));
    }

    [Theory]
    [InlineData("phone,languages,topics,consent_date,source\n+39;\"a;b\"", ',')]
    [InlineData("phone;languages;topics;consent_date;source\n+39,1", ';')]
    [InlineData("phone", ',')]
    [InlineData("\"phone,x\";languages;topics", ';')]
    public void The_header_row_decides_the_separator(string text, char expected) => Assert.Equal(expected, ImportCsv.DetectDelimiter(text));

    [Fact]
    public void Files_are_read_as_UTF8_without_BOM_or_else_as_Windows_1252()
    {
        Assert.Equal("phone;topics\n+39;Attività", ImportCsv.Decode([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("phone;topics\n+39;Attività")]));
        Assert.Equal("topics\n水", ImportCsv.Decode(Encoding.UTF8.GetBytes("topics\n水")));
        // Excel's "CSV (separated by semicolons)" on an Italian Windows: à is 0xE0, € is 0x80.
        Assert.Equal("Attività €", ImportCsv.Decode([.. Encoding.ASCII.GetBytes("Attivit"), 0xE0, 0x20, 0x80]));
    }

    [Fact]
    public void Cells_with_several_values_split_on_the_bar_and_languages_also_on_spaces()
    {
        Assert.Equal(["zh", "it"], ImportCsv.SplitLanguages("zh|it"));
        Assert.Equal(["zh", "it"], ImportCsv.SplitLanguages(" zh  it "));
        Assert.Equal(["zh", "it"], ImportCsv.SplitLanguages("zh;it"));
        Assert.Empty(ImportCsv.SplitLanguages("  "));
        Assert.Equal(["Protezione civile", "Cultura, eventi"], ImportCsv.SplitTopics("Protezione civile | Cultura, eventi"));
        Assert.Equal("PROTEZIONE CIVILE", ImportCsv.TopicText("  protezione   Civile "));
        Assert.Equal("consent_date", ImportCsv.ColumnName("\uFEFF Consent Date "));
        Assert.Equal("consent_date", ImportCsv.ColumnName("consent-date"));
    }

    [Fact]
    public void Every_import_message_has_an_Italian_translation()
    {
        var messages = typeof(ImportMessages).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.True(messages.Count > 30);
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Piazza.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Piazza.slnx not found");
        }

        var italian = XDocument.Load(Path.Combine(root, "src", "Piazza.Server", "Resources", "Text.it.resx")).Root!
            .Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!, StringComparer.Ordinal);
        var missing = messages.Where(m => !italian.ContainsKey(m)).ToList();
        Assert.True(missing.Count == 0, "Missing in Text.it.resx:\n" + string.Join("\n", missing));

        // The translations keep the placeholders of the English text.
        foreach (var m in messages)
        {
            foreach (var placeholder in new[] { "{0}", "{1}" }.Where(p => m.Contains(p, StringComparison.Ordinal)))
            {
                Assert.Contains(placeholder, italian[m], StringComparison.Ordinal);
            }
        }
    }
}
