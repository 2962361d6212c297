using System.Text.RegularExpressions;
using Piazza.Channels;
using Piazza.Channels.Formatting;
using Xunit;

namespace Piazza.Core.Tests;

public sealed partial class MessageFormatterTests
{
    private const string Hostile = "<script>alert(1)</script> & \"x\" < y";

    public static TheoryData<MessageFormat> AllFormats => [.. Enum.GetValues<MessageFormat>()];

    // ----- WhatsApp

    [Theory]
    [InlineData("**Allerta**", "*Allerta*")]
    [InlineData("__Allerta__", "*Allerta*")]
    [InlineData("*oggi*", "_oggi_")]
    [InlineData("_oggi_", "_oggi_")]
    [InlineData("~~annullato~~", "~annullato~")]
    [InlineData("`A12`", "```A12```")]
    [InlineData("**Allerta** meteo *oggi*", "*Allerta* meteo _oggi_")]
    [InlineData("***tutto***", "_*tutto*_")]
    public void WhatsApp_emphasis_becomes_its_markers(string markdown, string expected)
    {
        Assert.Equal(expected, MessageFormatter.Render(MessageFormat.WhatsApp, "", markdown).Text);
    }

    [Fact]
    public void WhatsApp_title_is_a_bold_line_then_a_blank_line()
    {
        var message = MessageFormatter.Render(MessageFormat.WhatsApp, "Chiusura scuole", "Domani le scuole restano chiuse.");

        Assert.Equal("*Chiusura scuole*\n\nDomani le scuole restano chiuse.", message.Text);
    }

    [Fact]
    public void Empty_title_gives_no_title_line()
    {
        Assert.Equal("Testo.", MessageFormatter.Render(MessageFormat.WhatsApp, "", "Testo.").Text);
        Assert.Equal("Testo.", MessageFormatter.Render(MessageFormat.TelegramHtml, "  ", "Testo.").Text);
        Assert.Equal("*Solo titolo*", MessageFormatter.Render(MessageFormat.WhatsApp, "Solo titolo", "").Text);
    }

    [Fact]
    public void WhatsApp_lists_get_bullets_numbers_and_nested_indentation()
    {
        const string markdown = "- acqua\n- luce\n  - via Roma\n  - via Firenze\n\n3. primo\n4. secondo";

        var text = MessageFormatter.Render(MessageFormat.WhatsApp, "", markdown).Text;

        Assert.Equal("• acqua\n• luce\n  • via Roma\n  • via Firenze\n\n3. primo\n4. secondo", text);
    }

    [Fact]
    public void WhatsApp_links_show_text_then_address()
    {
        Assert.Equal("sito (https://comune.prato.it)", MessageFormatter.Render(MessageFormat.WhatsApp, "", "[sito](https://comune.prato.it)").Text);
        Assert.Equal("https://comune.prato.it", MessageFormatter.Render(MessageFormat.WhatsApp, "", "<https://comune.prato.it>").Text);
        Assert.Equal("https://comune.prato.it", MessageFormatter.Render(MessageFormat.WhatsApp, "", "[https://comune.prato.it](https://comune.prato.it)").Text);
    }

    [Fact]
    public void WhatsApp_headings_code_blocks_quotes_and_breaks()
    {
        const string markdown = "# Avviso\n\nriga uno\nsegue  \na capo\n\n> citato\n\n```\nA < B\n```\n\n---\n\nfine";

        var text = MessageFormatter.Render(MessageFormat.WhatsApp, "", markdown).Text;

        Assert.Equal("*Avviso*\n\nriga uno segue\na capo\n\n> citato\n\n```\nA < B\n```\n\n———\n\nfine", text);
    }

    [Fact]
    public void WhatsApp_bold_heading_does_not_nest_bold_markers()
    {
        Assert.Equal("*Avviso importante*", MessageFormatter.Render(MessageFormat.WhatsApp, "", "## Avviso **importante**").Text);
    }

    // ----- Telegram

    [Fact]
    public void Telegram_uses_its_tags()
    {
        const string markdown = "# Titolo\n\n**b** *i* ~~s~~ `c`\n\n```\nx < y\n```\n\n> detto";

        var text = MessageFormatter.Render(MessageFormat.TelegramHtml, "Avviso", markdown).Text;

        Assert.Equal("<b>Avviso</b>\n\n<b>Titolo</b>\n\n<b>b</b> <i>i</i> <s>s</s> <code>c</code>\n\n<pre>x &lt; y</pre>\n\n<blockquote>detto</blockquote>", text);
    }

    [Fact]
    public void Telegram_hostile_text_never_yields_a_tag()
    {
        var text = MessageFormatter.Render(MessageFormat.TelegramHtml, Hostile, Hostile + "\n\n**" + Hostile + "**\n\n<b onclick=\"steal()\">x</b>").Text;

        Assert.Contains("&lt;script&gt;", text, StringComparison.Ordinal);
        Assert.Contains("&amp;", text, StringComparison.Ordinal);
        Assert.Contains("&lt;b onclick=\"steal()\"&gt;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('<', WithoutTelegramTags(text));
    }

    [Fact]
    public void Telegram_link_is_an_anchor_with_an_escaped_address()
    {
        var text = MessageFormatter.Render(MessageFormat.TelegramHtml, "", "[orari](https://comune.prato.it/uffici?a=\"1\"&b=<2>)").Text;

        Assert.Equal("<a href=\"https://comune.prato.it/uffici?a=&quot;1&quot;&amp;b=&lt;2&gt;\">orari</a>", text);
        Assert.DoesNotContain('<', WithoutTelegramTags(text));
    }

    [Theory]
    [InlineData("[clic](javascript:alert(1))")]
    [InlineData("[clic](JavaScript:alert(1))")]
    [InlineData("[clic](data:text/html;base64,PHNjcmlwdD4=)")]
    [InlineData("[clic](vbscript:x)")]
    public void Links_with_other_schemes_are_text_only(string markdown)
    {
        var telegram = MessageFormatter.Render(MessageFormat.TelegramHtml, "", markdown).Text;
        var whatsApp = MessageFormatter.Render(MessageFormat.WhatsApp, "", markdown).Text;

        Assert.Equal("clic", telegram);
        Assert.Equal("clic", whatsApp);
        Assert.DoesNotContain("<a", MessageFormatter.PreviewHtml(MessageFormat.TelegramHtml, "", markdown), StringComparison.Ordinal);
    }

    [Fact]
    public void Telegram_length_counts_the_visible_text()
    {
        var message = MessageFormatter.Render(MessageFormat.TelegramHtml, "", "**a&b** [x](https://example.org)");

        Assert.Equal("<b>a&amp;b</b> <a href=\"https://example.org\">x</a>", message.Text);
        Assert.Equal(5, message.Length);
    }

    // ----- Chinese text and X weighting

    [Theory]
    [InlineData(MessageFormat.WhatsApp, "*停水通知*")]
    [InlineData(MessageFormat.TelegramHtml, "<b>停水通知</b>")]
    [InlineData(MessageFormat.PlainText, "停水通知")]
    [InlineData(MessageFormat.XPost, "停水通知")]
    [InlineData(MessageFormat.MastodonStatus, "停水通知")]
    [InlineData(MessageFormat.Web, "<p><strong>停水通知</strong></p>")]
    public void Chinese_bold_in_each_format(MessageFormat format, string expected)
    {
        Assert.Equal(expected, MessageFormatter.Render(format, "", "**停水通知**").Text);
    }

    [Theory]
    [InlineData("停水", 4)]
    [InlineData("abc", 3)]
    [InlineData("abc https://example.org/very/long/path", 27)]
    [InlineData("停水 https://example.org/a/very/long/path/that/goes/on/and/on", 28)]
    [InlineData("😀", 2)]
    [InlineData("ciao — “sì”", 11)]
    [InlineData("è", 1)]
    [InlineData("한국어 カタカナ ひらがな", 24)]
    [InlineData("", 0)]
    public void X_weighted_length(string text, int expected)
    {
        Assert.Equal(expected, MessageFormatter.XWeightedLength(text));
    }

    [Fact]
    public void X_post_is_measured_weighted_against_280()
    {
        var message = MessageFormatter.Render(MessageFormat.XPost, "停水通知", new string('水', 140));

        Assert.Equal("停水通知\n\n" + new string('水', 140), message.Text);
        Assert.Equal(8 + 2 + 280, message.Length);
        Assert.Equal(280, message.Limit);
        Assert.True(message.TooLong);
        Assert.Equal(10, message.Overflow);
    }

    // ----- Lengths and limits

    [Theory]
    [InlineData(MessageFormat.WhatsApp, 4096)]
    [InlineData(MessageFormat.TelegramHtml, 4096)]
    [InlineData(MessageFormat.PlainText, 600)]
    [InlineData(MessageFormat.XPost, 280)]
    [InlineData(MessageFormat.MastodonStatus, 500)]
    [InlineData(MessageFormat.Web, null)]
    public void Default_limits(MessageFormat format, int? expected)
    {
        Assert.Equal(expected, MessageFormatter.DefaultLimit(format));
        Assert.Equal(expected, MessageFormatter.Render(format, "t", "b").Limit);
    }

    [Fact]
    public void Long_WhatsApp_body_is_too_long_by_its_overflow()
    {
        var message = MessageFormatter.Render(MessageFormat.WhatsApp, "Avviso", new string('a', 5000));

        Assert.Equal(5000 + "*Avviso*\n\n".Length, message.Length);
        Assert.True(message.TooLong);
        Assert.Equal(message.Length - 4096, message.Overflow);
    }

    [Fact]
    public void Short_message_fits()
    {
        var message = MessageFormatter.Render(MessageFormat.WhatsApp, "Avviso", "Breve.");

        Assert.False(message.TooLong);
        Assert.Equal(0, message.Overflow);
    }

    [Fact]
    public void Web_has_no_limit()
    {
        var message = MessageFormatter.Render(MessageFormat.Web, "", new string('a', 100_000));

        Assert.Null(message.Limit);
        Assert.False(message.TooLong);
        Assert.Equal(0, message.Overflow);
    }

    [Fact]
    public void Length_counts_code_points_not_utf16_units()
    {
        Assert.Equal(3, MessageFormatter.Render(MessageFormat.WhatsApp, "", "a😀b").Length);
        Assert.Equal(2, MessageFormatter.Render(MessageFormat.PlainText, "", "停水").Length);
    }

    [Fact]
    public void Mastodon_counts_each_link_as_23()
    {
        var url = "https://comune.prato.it/" + new string('x', 100);

        var message = MessageFormatter.Render(MessageFormat.MastodonStatus, "", "Info: " + url);

        Assert.Equal("Info: " + url, message.Text);
        Assert.Equal(6 + 23, message.Length);
        Assert.Equal("sito (https://comune.prato.it)".Length - "https://comune.prato.it".Length + 23,
            MessageFormatter.Render(MessageFormat.MastodonStatus, "", "[sito](https://comune.prato.it)").Length);
    }

    [Fact]
    public void Limit_override_replaces_the_default()
    {
        var body = new string('a', 800);

        Assert.True(MessageFormatter.Render(MessageFormat.MastodonStatus, "", body).TooLong);
        var roomy = MessageFormatter.Render(MessageFormat.MastodonStatus, "", body, limit: 1000);
        Assert.Equal(1000, roomy.Limit);
        Assert.False(roomy.TooLong);
    }

    [Fact]
    public void Line_endings_are_normalised_and_trailing_whitespace_trimmed()
    {
        var text = MessageFormatter.Render(MessageFormat.PlainText, "Titolo", "uno\r\n\r\ndue  \r\n\r\n\r\n").Text;

        Assert.Equal("Titolo\n\nuno\n\ndue", text);
    }

    // ----- Other formats

    [Fact]
    public void Plain_formats_drop_markers_and_keep_text()
    {
        const string markdown = "## Avviso\n\n**Allerta** *oggi* ~~annullato~~ `A1` [sito](https://comune.prato.it)\n\n- uno\n- due\n\n> detto";

        var text = MessageFormatter.Render(MessageFormat.PlainText, "Titolo", markdown).Text;

        Assert.Equal("Titolo\n\nAvviso\n\nAllerta oggi annullato A1 sito (https://comune.prato.it)\n\n• uno\n• due\n\n> detto", text);
    }

    [Fact]
    public void Images_become_alt_text_and_address()
    {
        Assert.Equal("mappa (https://comune.prato.it/m.png)", MessageFormatter.Render(MessageFormat.PlainText, "", "![mappa](https://comune.prato.it/m.png)").Text);
        Assert.Equal("mappa", MessageFormatter.Render(MessageFormat.PlainText, "", "![mappa](javascript:alert(1))").Text);
    }

    [Fact]
    public void Raw_html_is_text_in_every_chat_format()
    {
        Assert.Equal("<b onclick=\"x()\">ciao</b>", MessageFormatter.Render(MessageFormat.PlainText, "", "<b onclick=\"x()\">ciao</b>").Text);
        Assert.Equal("&lt;script&gt;alert(1)&lt;/script&gt;", MessageFormatter.Render(MessageFormat.TelegramHtml, "", "<script>alert(1)</script>").Text);
    }

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Absurdly_nested_bodies_are_shown_as_text_not_a_crash(MessageFormat format)
    {
        var quotes = MessageFormatter.Render(format, "", new string('>', 5000) + " fine");
        var stars = MessageFormatter.Render(format, "", new string('*', 400) + "fine" + new string('*', 400));

        Assert.Contains("fine", quotes.Text, StringComparison.Ordinal);
        Assert.Contains("fine", stars.Text, StringComparison.Ordinal);
        Assert.Contains("fine", MessageFormatter.PreviewHtml(format, "", new string('-', 3000).Replace("-", "- ", StringComparison.Ordinal) + "fine"), StringComparison.Ordinal);
    }

    // ----- Several languages in one post

    [Fact]
    public void RenderMany_joins_the_parts_with_a_separator_line()
    {
        var message = MessageFormatter.RenderMany(MessageFormat.PlainText,
        [
            ("停水通知", "明天 **8:00** 停水。"),
            ("Sospensione idrica", "Domani dalle **8:00** manca l'acqua."),
        ]);

        const string expected = "停水通知\n\n明天 8:00 停水。\n\n—\n\nSospensione idrica\n\nDomani dalle 8:00 manca l'acqua.";
        Assert.Equal(expected, message.Text);
        Assert.Equal(expected.Length, message.Length);
        Assert.Equal(600, message.Limit);
    }

    [Fact]
    public void RenderMany_measures_the_whole_post()
    {
        var parts = new List<(string Title, string Markdown)> { ("停水", new string('水', 2000)), ("Acqua", new string('a', 2500)) };

        var message = MessageFormatter.RenderMany(MessageFormat.WhatsApp, parts);

        Assert.StartsWith("*停水*\n\n", message.Text, StringComparison.Ordinal);
        Assert.Contains("\n\n—\n\n*Acqua*\n\n", message.Text, StringComparison.Ordinal);
        Assert.Equal("*停水*\n\n".Length + 2000 + "\n\n—\n\n*Acqua*\n\n".Length + 2500, message.Length);
        Assert.True(message.TooLong);
    }

    [Fact]
    public void RenderMany_Telegram_and_Web()
    {
        var parts = new List<(string Title, string Markdown)> { ("停水", "**明天**"), ("Acqua", "*domani*") };

        Assert.Equal("<b>停水</b>\n\n<b>明天</b>\n\n—\n\n<b>Acqua</b>\n\n<i>domani</i>", MessageFormatter.RenderMany(MessageFormat.TelegramHtml, parts).Text);
        Assert.Equal("<h1>停水</h1>\n<p><strong>明天</strong></p>\n<p>—</p>\n<h1>Acqua</h1>\n<p><em>domani</em></p>", MessageFormatter.RenderMany(MessageFormat.Web, parts).Text);
    }

    // ----- Previews

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Preview_never_contains_markup_from_user_input(MessageFormat format)
    {
        var markdown = Hostile + "\n\n**" + Hostile + "**\n\n<img src=x onerror=alert(1)>\n\n<script>\nalert(2)\n</script>\n\n[x](javascript:alert(3))";

        var html = MessageFormatter.PreviewHtml(format, Hostile, markdown);
        var many = MessageFormatter.PreviewHtmlMany(format, [(Hostile, markdown), ("<script>", "<SCRIPT>")]);

        foreach (var preview in new[] { html, many })
        {
            Assert.DoesNotContain("<script", preview, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<img", preview, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("javascript:", preview, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("&lt;script&gt;", preview, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Web_preview_shows_a_script_as_text()
    {
        var html = MessageFormatter.PreviewHtml(MessageFormat.Web, "Avviso", "<script>alert(1)</script>");

        Assert.Equal("<h1>Avviso</h1>\n<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", html);
    }

    [Fact]
    public void WhatsApp_preview_shows_the_markup_rendered()
    {
        var html = MessageFormatter.PreviewHtml(MessageFormat.WhatsApp, "Avviso", "**Allerta** *oggi* ~~annullato~~ `A<1` & fine");

        Assert.Equal("<strong>Avviso</strong><br>\n<br>\n<strong>Allerta</strong> <em>oggi</em> <s>annullato</s> <code>A&lt;1</code> &amp; fine", html);
    }

    [Fact]
    public void Telegram_preview_keeps_its_tags_and_breaks_lines()
    {
        var html = MessageFormatter.PreviewHtml(MessageFormat.TelegramHtml, "Avviso", "**Allerta** & <i>");

        Assert.Equal("<b>Avviso</b><br>\n<br>\n<b>Allerta</b> &amp; &lt;i&gt;", html);
    }

    [Fact]
    public void Plain_preview_is_escaped_text_with_line_breaks()
    {
        var html = MessageFormatter.PreviewHtml(MessageFormat.MastodonStatus, "A & B", "**x** <y>");

        Assert.Equal("A &amp; B<br>\n<br>\nx &lt;y&gt;", html);
    }

    // ----- Web HTML

    [Theory]
    [InlineData("[x](javascript:alert(1))")]
    [InlineData("[x](JAVASCRIPT:alert(1))")]
    [InlineData("[x](data:text/html;base64,PHNjcmlwdD4=)")]
    [InlineData("[x][r]\n\n[r]: javascript:alert(1)")]
    public void ToHtml_drops_unsafe_link_addresses(string markdown)
    {
        var html = MessageFormatter.ToHtml(markdown);

        Assert.Equal("<p>x</p>", html);
    }

    [Fact]
    public void ToHtml_drops_unsafe_autolinks_and_images()
    {
        var html = MessageFormatter.ToHtml("<javascript:alert(1)> ![pic](javascript:alert(2))");

        Assert.DoesNotContain("href", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("pic", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_keeps_safe_links()
    {
        var html = MessageFormatter.ToHtml("[sito](https://comune.prato.it) [mail](mailto:urp@comune.prato.it) [tel](tel:+390574) <http://a.it>");

        Assert.Equal("<p><a href=\"https://comune.prato.it\">sito</a> <a href=\"mailto:urp@comune.prato.it\">mail</a> <a href=\"tel:+390574\">tel</a> <a href=\"http://a.it\">http://a.it</a></p>", html);
    }

    [Fact]
    public void ToHtml_shows_raw_html_as_text()
    {
        var html = MessageFormatter.ToHtml("<div onclick=\"x()\">ciao</div>\n\ntesto <b>x</b> ~~via~~");

        Assert.Equal("<p>&lt;div onclick=&quot;x()&quot;&gt;ciao&lt;/div&gt;</p>\n<p>testo &lt;b&gt;x&lt;/b&gt; <del>via</del></p>", html);
    }

    /// <summary>The text with the tags the formatter may write in Telegram HTML removed.</summary>
    private static string WithoutTelegramTags(string text) => AllowedTelegramTag().Replace(text, string.Empty);

    [GeneratedRegex(@"</?(?:b|i|s|code|pre|blockquote)>|<a href=""[^""<>]*"">|</a>", RegexOptions.CultureInvariant)]
    private static partial Regex AllowedTelegramTag();
}
