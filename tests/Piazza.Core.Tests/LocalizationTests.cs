using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace Piazza.Core.Tests;

/// <summary>Every English text the console shows has an Italian translation in Text.it.resx: the keys used with
/// <c>T["…"]</c> / <c>Text["…"]</c> in the server, and the validation messages of the feature services (which the
/// console shows next to the fields through the same resources).</summary>
public sealed partial class LocalizationTests
{
    private static readonly string Root = FindRoot();

    private static readonly Lazy<HashSet<string>> Italian = new(() =>
        XDocument.Load(Path.Combine(Root, "src", "Piazza.Server", "Resources", "Text.it.resx")).Root!
            .Elements("data").Select(d => (string)d.Attribute("name")!).ToHashSet(StringComparer.Ordinal));

    [Fact]
    public void Every_interface_text_of_the_server_has_an_Italian_translation()
    {
        // The public site's words are not the console's: PublicText holds them in Italian, Chinese and English (tested below).
        var keys = Sources(Path.Combine(Root, "src", "Piazza.Server"), "*.razor", "*.cs")
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Contains("PublicSite"))
            .SelectMany(f => LocalizerKey().Matches(File.ReadAllText(f)).Select(m => (File: f, Key: Unescape(m.Groups[1].Value))))
            .ToList();
        Assert.True(keys.Count > 30, $"only {keys.Count} T[\"…\"] keys found: is the pattern still right?");
        AssertTranslated(keys);
    }

    [Fact]
    public void Every_validation_message_of_the_feature_services_has_an_Italian_translation()
    {
        var messages = Sources(Path.Combine(Root, "src", "Piazza.Core"), "*.cs")
            .SelectMany(f => ValidationMessages(File.ReadAllText(f)).Select(m => (File: f, Key: m)))
            .ToList();
        Assert.Contains(messages, m => m.Key == "A name is required.");
        Assert.Contains(messages, m => m.Key == "A WhatsApp address is a phone number in international format, such as +393331234567.");
        Assert.True(messages.Count > 40, $"only {messages.Count} messages found: is the pattern still right?");
        AssertTranslated(messages);
    }

    [Fact]
    public void Message_extraction_finds_the_messages_of_every_kind_of_call()
    {
        const string Sample = """
            var v = new Validation()
                .When(string.IsNullOrEmpty(name), "name", "A name is required.")
                .When(x is { Length: > 2 } && Check(y, "z"), $"roles[{i}].role", "Two, \"quoted\".");
            v.Add("languages", "At least one language is required.");
            v.Add($"languages[{i}]", "Listed twice.");
            throw ValidationFailedException.For("id", "Cannot delete.");
            throw ValidationFailedException.For("kind", "Choose: " + string.Join(", ", kinds));
            ChannelKind.WhatsApp when !Rules.IsE164(address) => "A WhatsApp address is a number.",
            v.Add("email", problem);
            list.Add("it");
            """;
        Assert.Equal(
            ["A name is required.", "Two, \"quoted\".", "At least one language is required.", "Listed twice.", "Cannot delete.", "A WhatsApp address is a number."],
            ValidationMessages(Sample));
    }

    private static void AssertTranslated(List<(string File, string Key)> keys)
    {
        var missing = keys.Where(k => !Italian.Value.Contains(k.Key))
            .Select(k => $"{Path.GetRelativePath(Root, k.File)}: \"{k.Key}\"")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Assert.True(missing.Count == 0, "Missing in Text.it.resx (add them with /work/tools/piazza-text.py):\n" + string.Join("\n", missing));
    }

    /// <summary>The plain string literals given as the message of Validation.When/Add, ValidationFailedException.For,
    /// and returned by a switch arm as a problem (AddressProblem).</summary>
    private static List<string> ValidationMessages(string source)
    {
        var result = new List<string>();
        foreach (Match call in ValidationCall().Matches(source))
        {
            var args = SplitArguments(call.Groups["args"].Value);
            if (args.Count < 2)
            {
                continue; // a collection's Add(item), not Validation.Add(field, message)
            }

            var last = args[^1].Trim();
            if (PlainLiteral().Match(last) is { Success: true } literal)
            {
                result.Add(Unescape(literal.Groups[1].Value));
            }
        }

        result.AddRange(SwitchArmMessage().Matches(source).Select(m => Unescape(m.Groups[1].Value)));
        return result;
    }

    /// <summary>Splits an argument list on top-level commas (not inside parentheses, brackets, braces or strings).</summary>
    private static List<string> SplitArguments(string args)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var c = args[i];
            if (c == '"')
            {
                for (i++; i < args.Length && args[i] != '"'; i++)
                {
                    if (args[i] == '\\')
                    {
                        i++;
                    }
                }
            }
            else if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                parts.Add(args[start..i]);
                start = i + 1;
            }
        }

        parts.Add(args[start..]);
        return parts;
    }

    private static IEnumerable<string> Sources(string dir, params string[] patterns) =>
        patterns.SelectMany(p => Directory.EnumerateFiles(dir, p, SearchOption.AllDirectories))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "node_modules" or "wwwroot"));

    private static string Unescape(string literal) => Regex.Unescape(literal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Piazza.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Piazza.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>T["key"] or Text["key"] (also T["key", arg]); not interpolated keys.</summary>
    [GeneratedRegex("""\b(?:T|Text)\[\s*"((?:[^"\\]|\\.)*)"\s*[\],]""")]
    private static partial Regex LocalizerKey();

    /// <summary>.When( … ), .Add( … ), ValidationFailedException.For( … ) with arguments that may hold one level of
    /// nested parentheses and string literals.</summary>
    [GeneratedRegex("""(?:\.When|\bv\.Add|\.Add|ValidationFailedException\.For)\((?<args>(?:[^()"]|"(?:[^"\\]|\\.)*"|\((?:[^()"]|"(?:[^"\\]|\\.)*"|\((?:[^()"]|"(?:[^"\\]|\\.)*")*\))*\))*)\)""")]
    private static partial Regex ValidationCall();

    [GeneratedRegex("""^"((?:[^"\\]|\\.)*)"$""")]
    private static partial Regex PlainLiteral();

    /// <summary>A switch arm returning a sentence: <c>… when … =&gt; "A WhatsApp address is ….",</c></summary>
    [GeneratedRegex("""\bwhen\b[^\n]*=>\s*"([A-Z](?:[^"\\]|\\.)*\.)"\s*,""")]
    private static partial Regex SwitchArmMessage();
}
