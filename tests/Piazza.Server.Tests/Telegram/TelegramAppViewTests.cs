using Piazza.Channels;
using Piazza.Channels.Formatting;
using Piazza.Channels.Telegram.Simulator;
using Xunit;

namespace Piazza.Server.Tests.Telegram;

/// <summary>How the citizen phone reads a Telegram message to draw it: Telegram's formatting becomes pieces, every
/// character the staff wrote stays text, and a link is kept only when it is http(s).</summary>
public sealed class TelegramAppViewTests
{
    [Fact]
    public void A_bulletin_with_a_hostile_title_becomes_formatting_and_text_never_markup()
    {
        var html = MessageFormatter.Render(MessageFormat.TelegramHtml, "<script>x()</script> & <b>open", "Alle **15** al [Lungobisenzio](https://www.comune.prato.it/sport?a=1&b=2).").Text;
        var message = new TelegramSimMessage(1, false, TelegramSimulator.ParseHtml(html).Visible!, html, "HTML", DateTimeOffset.UnixEpoch);
        var nodes = TelegramAppView.Nodes(message);

        var title = Assert.IsType<TelegramNode>(nodes[0]);
        Assert.Equal("b", title.Kind);
        Assert.Equal("<script>x()</script> & <b>open", Assert.Single(title.Children).Text);
        Assert.Contains(nodes, n => n.Kind == "b" && n.Children.Single().Text == "15");
        var link = Assert.Single(nodes, n => n.Kind == "a");
        Assert.Equal("https://www.comune.prato.it/sport?a=1&b=2", link.Href);
        Assert.Equal("Lungobisenzio", link.Children.Single().Text);

        // Every piece of text, put together, is what Telegram shows.
        Assert.Equal(message.Text, Flatten(nodes));
    }

    [Theory]
    [InlineData("<a href=\"javascript:alert(1)\">clic</a>")]
    [InlineData("<a href='data:text/html,&lt;script&gt;'>clic</a>")]
    [InlineData("<a href=\"tg://resolve?domain=x\">clic</a>")]
    public void A_link_that_is_not_http_shows_as_its_text(string html)
    {
        var nodes = TelegramAppView.Parse(html);
        Assert.NotNull(nodes);
        var piece = Assert.Single(nodes);
        Assert.Null(piece.Href);
        Assert.NotEqual("a", piece.Kind);
        Assert.Equal("clic", Flatten(nodes));
    }

    [Fact]
    public void Nested_formatting_and_entities_are_kept_and_plain_messages_stay_one_text()
    {
        var nodes = TelegramAppView.Parse("<b>a <i>b &amp; <u>c</u></i></b> &lt;d&gt; <tg-spoiler>e</tg-spoiler> <code>f</code>");
        Assert.NotNull(nodes);
        Assert.Equal("a b & c <d> e f", Flatten(nodes));
        var b = nodes[0];
        Assert.Equal("b", b.Kind);
        Assert.Equal("i", b.Children[1].Kind);
        Assert.Equal("u", b.Children[1].Children[1].Kind);
        Assert.Contains(nodes, n => n.Kind == "spoiler");
        Assert.Contains(nodes, n => n.Kind == "code");

        // Not HTML Telegram accepts: null (the phone then shows the visible text).
        Assert.Null(TelegramAppView.Parse("<b>unclosed"));
        Assert.Null(TelegramAppView.Parse("<script>x</script>"));

        // A reply without a parse mode: one piece of text, whatever it holds.
        var reply = new TelegramSimMessage(2, false, "<b>not bold</b>", "<b>not bold</b>", null, DateTimeOffset.UnixEpoch);
        var only = Assert.Single(TelegramAppView.Nodes(reply));
        Assert.Equal("text", only.Kind);
        Assert.Equal("<b>not bold</b>", only.Text);
    }

    private static string Flatten(IEnumerable<TelegramNode> nodes) =>
        string.Concat(nodes.Select(n => n.Kind == "text" ? n.Text : Flatten(n.Children)));
}
