using Piazza.Channels;
using Piazza.Channels.Formatting;
using Piazza.Channels.Mastodon;
using Piazza.Channels.X;
using Xunit;

namespace Piazza.Server.Tests.Social;

/// <summary>The length rules of social posts: X's weighted 280 (CJK double, links 23), Mastodon's 500 (or the
/// instance's limit), and a clean cut that keeps the bulletin's link.</summary>
public sealed class SocialPostTests
{
    [Fact]
    public void A_short_bulletin_is_posted_whole_in_the_channel_languages()
    {
        var texts = new[] { new BulletinText("it", "Acqua", "Domani manca l'acqua."), new BulletinText("zh", "停水", "明天停水。") };
        var body = XAdapter.Body(texts);
        Assert.Equal("Acqua\n\nDomani manca l'acqua.\n\n—\n\n停水\n\n明天停水。", (string)body["text"]!);
    }

    [Fact]
    public void An_X_post_counts_Chinese_double_and_is_cut_at_280_weighted()
    {
        // 200 Chinese characters weigh 400: the post keeps what fits in 280 and ends with "…".
        var texts = new[] { new BulletinText("zh", "停水通知", new string('水', 200)) };
        var text = (string)XAdapter.Body(texts)["text"]!;
        Assert.True(MessageFormatter.XWeightedLength(text) <= 280, $"weighs {MessageFormatter.XWeightedLength(text)}");
        Assert.True(MessageFormatter.XWeightedLength(text) >= 277);
        Assert.EndsWith("…", text, StringComparison.Ordinal);
        Assert.StartsWith("停水通知\n\n水水", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_X_post_counts_a_long_link_as_23_and_keeps_it_when_the_text_is_cut()
    {
        var link = "https://www.comune.prato.it/it/notizie/" + new string('a', 120);
        var words = string.Join(' ', Enumerable.Repeat("parola", 60));

        // A short text with a long link fits: the link counts 23.
        var shortText = (string)XAdapter.Body([new BulletinText("it", "Avviso", "Dettagli: " + link)])["text"]!;
        Assert.Equal("Avviso\n\nDettagli: " + link, shortText);
        Assert.Equal(6 + 2 + 10 + 23, MessageFormatter.XWeightedLength(shortText));

        // A long text with the link at its end: cut at a word, "…", then the link on its own line.
        var cut = (string)XAdapter.Body([new BulletinText("it", "Avviso", words + " " + link)])["text"]!;
        Assert.True(MessageFormatter.XWeightedLength(cut) <= 280);
        Assert.EndsWith("…\n" + link, cut, StringComparison.Ordinal);
        Assert.Contains("parola parola…", cut, StringComparison.Ordinal); // whole words only
        Assert.DoesNotContain("parol…", cut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Mastodon_status_is_cut_at_500_or_at_the_instance_limit()
    {
        var words = string.Join(' ', Enumerable.Repeat("acqua", 150)); // 899 characters
        var texts = new[] { new BulletinText("it", "Avviso", words) };

        var status = (string)MastodonAdapter.Body(texts, new Dictionary<string, string>())["status"]!;
        Assert.True(MessageFormatter.Length(MessageFormat.MastodonStatus, status) <= 500);
        Assert.True(status.Length > 480);
        Assert.EndsWith("acqua…", status, StringComparison.Ordinal);

        var larger = (string)MastodonAdapter.Body(texts, new Dictionary<string, string> { [MastodonChannel.MaxCharacters] = "1000" })["status"]!;
        Assert.Equal("Avviso\n\n" + words, larger);
    }

    [Fact]
    public void A_Mastodon_status_counts_links_23()
    {
        var link = "https://www.comune.prato.it/" + new string('x', 300);
        var status = (string)MastodonAdapter.Body([new BulletinText("it", "Avviso", "Leggi: " + link)], new Dictionary<string, string>())["status"]!;
        Assert.Contains(link, status, StringComparison.Ordinal); // 335 characters, counted 6 + 2 + 7 + 23
        Assert.Equal(38, MessageFormatter.Length(MessageFormat.MastodonStatus, status));
    }

    [Fact]
    public void Without_a_link_a_cut_text_just_ends_with_an_ellipsis()
    {
        var (text, cut) = SocialPost.Fit(MessageFormat.MastodonStatus, string.Join(' ', Enumerable.Repeat("parola", 200)), 100, link: null);
        Assert.True(cut);
        Assert.True(text.Length <= 100);
        Assert.EndsWith("parola…", text, StringComparison.Ordinal);
    }
}
