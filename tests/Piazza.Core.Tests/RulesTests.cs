using Piazza.Common;
using Xunit;

namespace Piazza.Core.Tests;

public sealed class RulesTests
{
    [Theory]
    [InlineData("it", true)]
    [InlineData("zh", true)]
    [InlineData("zh-Hans", true)]
    [InlineData("zh-Hant-TW", true)]
    [InlineData("en-GB", true)]
    [InlineData("ar", true)]
    [InlineData("", false)]
    [InlineData(" ", false)]
    [InlineData(null, false)]
    [InlineData("italian", false)]
    [InlineData("i", false)]
    [InlineData("it_IT", false)]
    [InlineData("it-", false)]
    [InlineData("not a tag", false)]
    [InlineData("qq", false)]
    public void IsLanguageTag_accepts_known_BCP47_tags_only(string? tag, bool expected) => Assert.Equal(expected, Rules.IsLanguageTag(tag));

    [Theory]
    [InlineData("IT", "it")]
    [InlineData("zh-hans", "zh-Hans")]
    [InlineData("ZH-HANS-cn", "zh-Hans-CN")]
    [InlineData("en_gb", "en-GB")]
    [InlineData(" pt-br ", "pt-BR")]
    public void NormalizeLanguageTag_uses_canonical_case(string raw, string expected) => Assert.Equal(expected, Rules.NormalizeLanguageTag(raw));

    [Theory]
    [InlineData("Europe/Rome", true)]
    [InlineData("Asia/Shanghai", true)]
    [InlineData("UTC", true)]
    [InlineData("Mars/Olympus", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsTimeZone_knows_IANA_ids(string? id, bool expected) => Assert.Equal(expected, Rules.IsTimeZone(id));

    [Theory]
    [InlineData("ufficio.stampa@comune.prato.it", true)]
    [InlineData("a@b.it", true)]
    [InlineData("anna@", false)]
    [InlineData("anna@localhost", false)]
    [InlineData("Anna Rossi <anna@comune.it>", false)]
    [InlineData("anna rossi@comune.it", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsEmail_accepts_plain_addresses_only(string? value, bool expected) => Assert.Equal(expected, Rules.IsEmail(value));

    [Fact]
    public void IsEmail_refuses_overlong_addresses() => Assert.False(Rules.IsEmail(new string('a', 260) + "@ex.it"));

    [Theory]
    [InlineData("civil-protection", true)]
    [InlineData("ab", true)]
    [InlineData("a1-2", true)]
    [InlineData("a", false)]
    [InlineData("1abc", false)]
    [InlineData("-abc", false)]
    [InlineData("Abc", false)]
    [InlineData("a b", false)]
    [InlineData("caffè", false)]
    [InlineData(null, false)]
    public void IsKey_wants_lowercase_letters_digits_and_dashes(string? value, bool expected) => Assert.Equal(expected, Rules.IsKey(value));

    [Fact]
    public void IsKey_allows_at_most_60_characters()
    {
        Assert.True(Rules.IsKey("a" + new string('b', 59)));
        Assert.False(Rules.IsKey("a" + new string('b', 60)));
    }

    [Theory]
    [InlineData("+393331234567", true)]
    [InlineData("+8613912345678", true)]
    [InlineData("+1234567", true)]
    [InlineData("393331234567", false)]
    [InlineData("+39 333 1234567", false)]
    [InlineData("+0393331234567", false)]
    [InlineData("+1234567890123456", false)]
    [InlineData("+123456", false)]
    [InlineData(null, false)]
    public void IsE164_checks_international_phone_numbers(string? value, bool expected) => Assert.Equal(expected, Rules.IsE164(value));

    [Theory]
    [InlineData("  Ufficio   Stampa ", "Ufficio Stampa")]
    [InlineData("a\t\nb", "a b")]
    [InlineData("", "")]
    [InlineData(null, null)]
    public void Clean_trims_and_collapses_whitespace(string? value, string? expected) => Assert.Equal(expected, Rules.Clean(value));
}
