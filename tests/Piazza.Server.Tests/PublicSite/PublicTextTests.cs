using System.Text.RegularExpressions;
using Piazza.Server.PublicSite;
using Piazza.Server.Tests.Infrastructure;
using Xunit;

namespace Piazza.Server.Tests.PublicSite;

/// <summary>Every word the public site shows is written in Italian and Chinese (English is the key itself).</summary>
public sealed partial class PublicTextTests
{
    [Fact]
    public void Every_text_of_the_public_pages_is_translated_into_italian_and_chinese()
    {
        var folder = Path.Combine(Repository.Root, "src", "Piazza.Server", "PublicSite");
        var keys = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(f => Key().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Key: Regex.Unescape(m.Groups[1].Value))))
            .ToList();
        Assert.True(keys.Count > 20, $"only {keys.Count} keys found: is the pattern still right?");
        var missing = keys.Where(k => !PublicText.All.TryGetValue(k.Key, out var t) || t.It.Length == 0 || t.Zh.Length == 0).Select(k => $"{k.File}: {k.Key}").Distinct().ToList();
        Assert.True(missing.Count == 0, "Not translated:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void Words_follow_the_pages_language_and_other_languages_get_english()
    {
        Assert.Equal("Tutte le notizie", PublicText.For("it")["All news"]);
        Assert.Equal("全部新闻", PublicText.For("zh")["All news"]);
        Assert.Equal("全部新闻", PublicText.For("zh-Hans")["All news"]);
        Assert.Equal("All news", PublicText.For("ar")["All news"]);
        Assert.Equal("Pagina 2 di 5", PublicText.For("it")["Page {0} of {1}", 2, 5]);
        Assert.Equal("Italiano", PublicText.NativeName("it"));
        Assert.Equal("中文", PublicText.NativeName("zh"));
    }

    [GeneratedRegex("""\bT\[\s*"((?:[^"\\]|\\.)*)"\s*[\],]""")]
    private static partial Regex Key();
}
