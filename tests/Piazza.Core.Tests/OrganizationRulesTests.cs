using Piazza.Common;
using Piazza.Organizations;
using Xunit;

namespace Piazza.Core.Tests;

public sealed class OrganizationRulesTests
{
    [Theory]
    [InlineData("Comune di Prato", "comune-di-prato")]
    [InlineData("Comune di Città di Castello", "comune-di-citta-di-castello")]
    [InlineData("  Forlì -- Cesena!! ", "forli-cesena")]
    [InlineData("Sant'Agata de' Goti", "sant-agata-de-goti")]
    [InlineData("123 Comune", "org-123-comune")]
    [InlineData("X", "org-x")]
    public void Slugify_makes_a_valid_key(string name, string expected)
    {
        var slug = OrganizationService.Slugify(name);
        Assert.Equal(expected, slug);
    }

    [Fact]
    public void Slugify_of_a_long_name_is_at_most_60_characters_and_a_valid_key()
    {
        var slug = OrganizationService.Slugify(string.Join(" ", Enumerable.Repeat("Unione dei Comuni", 10)));
        Assert.True(slug.Length <= 60);
        Assert.True(Rules.IsKey(slug), slug);
        Assert.False(slug.EndsWith('-'));
    }

    [Fact]
    public void ValidateLanguages_normalizes_and_keeps_the_order()
    {
        var v = new Validation();
        Assert.Equal(["zh-Hans", "it", "en-GB"], OrganizationService.ValidateLanguages(["zh-hans", " IT ", "en-gb"], v));
        Assert.True(v.IsValid);
    }

    [Fact]
    public void ValidateLanguages_names_the_bad_and_the_repeated_entries()
    {
        var v = new Validation();
        OrganizationService.ValidateLanguages(["it", "klingon", "IT", "zh"], v);
        var e = Assert.Throws<ValidationFailedException>(v.ThrowIfInvalid);
        Assert.Equal(["languages[1]", "languages[2]"], e.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ValidateLanguages_names_only_the_bad_entry_when_none_is_valid()
    {
        var v = new Validation();
        OrganizationService.ValidateLanguages(["klingon"], v);
        var e = Assert.Throws<ValidationFailedException>(v.ThrowIfInvalid);
        Assert.Equal(["languages[0]"], e.Errors.Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",  ")]
    public void ValidateLanguages_wants_at_least_one(string commaSeparated)
    {
        var v = new Validation();
        OrganizationService.ValidateLanguages(commaSeparated.Length == 0 ? [] : commaSeparated.Split(','), v);
        var e = Assert.Throws<ValidationFailedException>(v.ThrowIfInvalid);
        Assert.Equal(["languages"], e.Errors.Keys);
    }
}
