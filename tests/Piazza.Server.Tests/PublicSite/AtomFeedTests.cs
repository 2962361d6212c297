using System.Diagnostics;
using System.Net;
using System.ServiceModel.Syndication;
using System.Xml;
using System.Xml.Linq;
using Xunit;

namespace Piazza.Server.Tests.PublicSite;

/// <summary>
/// The Atom feeds of the public site are valid Atom: each is checked by jing against the RELAX NG schema of RFC 4287
/// (Appendix B, in tests/specs/atom) and read by .NET's own Atom parser (System.ServiceModel.Syndication, not the code that
/// writes them); their entries carry stable ids, absolute links to the bulletins' pages and the language of their text.
/// </summary>
public sealed class AtomFeedTests(PublicSiteFactory factory) : IClassFixture<PublicSiteFactory>
{
    private static readonly XNamespace AtomNs = "http://www.w3.org/2005/Atom";

    [Fact]
    public async Task Every_feed_is_valid_atom_with_the_bulletins_of_its_topic_and_language()
    {
        var (n, slug) = await factory.SiteAsync();
        var visitor = factory.Visitor();
        var both = await PublicSiteFactory.PublishAsync(n, "Acqua sospesa & lavori <urgenti>", "Domani **dalle 8** in via Roma.", "罗马路停水", "明天**8点**起停水。");
        var italianOnly = await PublicSiteFactory.PublishAsync(n, "Solo in italiano", "Testo con un [link](https://www.comune.prato.it).");
        var sport = await PublicSiteFactory.PublishAsync(n, "Corsi di nuoto", "Iscrizioni aperte.", topicId: n.OtherTopicId);

        var feeds = new Dictionary<string, Guid[]>
        {
            [$"/{slug}/it/feed.atom"] = [sport, italianOnly, both],
            [$"/{slug}/zh/feed.atom"] = [sport, italianOnly, both],
            [$"/{slug}/it/topics/acqua/feed.atom"] = [italianOnly, both],
            [$"/{slug}/zh/topics/acqua/feed.atom"] = [italianOnly, both],
            [$"/{slug}/zh/topics/sport/feed.atom"] = [sport],
        };
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (url, expected) in feeds)
        {
            using var response = await visitor.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/atom+xml", response.Content.Headers.ContentType?.MediaType);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            await AssertValidAtomAsync(bytes, url);

            // Read by an independent Atom parser.
            using var reader = XmlReader.Create(new MemoryStream(bytes));
            var feed = SyndicationFeed.Load(reader);
            var self = feed.Links.Single(l => l.RelationshipType == "self").Uri;
            Assert.Equal(url, self.AbsolutePath);
            Assert.True(self.IsAbsoluteUri);
            var items = feed.Items.ToList();
            Assert.Equal(expected.Length, items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var link = items[i].Links.Single(l => l.RelationshipType == "alternate").Uri;
                Assert.True(link.IsAbsoluteUri, $"{url}: entry link {link} is not absolute");
                Assert.EndsWith($"/bulletins/{expected[i]:D}", link.AbsolutePath, StringComparison.Ordinal);
                Assert.StartsWith("urn:uuid:", items[i].Id, StringComparison.Ordinal);
                Assert.True(Guid.TryParse(items[i].Id["urn:uuid:".Length..], out _));
                Assert.True(items[i].PublishDate > DateTimeOffset.UtcNow.AddMinutes(-5));
                // The entry's page exists.
                using var page = await visitor.GetAsync(link.PathAndQuery);
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                ids.Add(items[i].Id);
            }
        }

        // An entry's id is one per bulletin and language: the same in every feed of that language, different in another.
        Assert.Equal(6, ids.Count);

        var zh = XDocument.Parse(await visitor.GetStringAsync($"/{slug}/zh/feed.atom"));
        Assert.Equal("zh", (string?)zh.Root!.Attribute(XNamespace.Xml + "lang"));
        var entries = zh.Root.Elements(AtomNs + "entry").ToList();
        var chinese = entries.Single(e => e.Element(AtomNs + "link")!.Attribute("href")!.Value.EndsWith(both.ToString("D"), StringComparison.Ordinal));
        Assert.Equal("罗马路停水", chinese.Element(AtomNs + "title")!.Value);
        Assert.Null(chinese.Attribute(XNamespace.Xml + "lang"));
        Assert.Contains("<strong>8点</strong>", chinese.Element(AtomNs + "content")!.Value, StringComparison.Ordinal);
        // A bulletin with no Chinese text comes in Italian, and says so.
        var italian = entries.Single(e => e.Element(AtomNs + "link")!.Attribute("href")!.Value.EndsWith(italianOnly.ToString("D"), StringComparison.Ordinal));
        Assert.Equal("it", (string?)italian.Attribute(XNamespace.Xml + "lang"));
        Assert.Contains("<a href=\"https://www.comune.prato.it\">link</a>", italian.Element(AtomNs + "content")!.Value, StringComparison.Ordinal);
        var it = XDocument.Parse(await visitor.GetStringAsync($"/{slug}/it/feed.atom"));
        Assert.Equal("Acqua sospesa & lavori <urgenti>", it.Root!.Elements(AtomNs + "entry").Last().Element(AtomNs + "title")!.Value);
    }

    [Fact]
    public async Task The_schema_check_refuses_a_feed_that_breaks_rfc_4287()
    {
        var (n, slug) = await factory.SiteAsync();
        await PublicSiteFactory.PublishAsync(n, "Avviso", "Testo.");
        var feed = XDocument.Parse(await factory.Visitor().GetStringAsync($"/{slug}/it/feed.atom"));
        feed.Root!.Element(AtomNs + "entry")!.Element(AtomNs + "id")!.Remove();
        var (valid, output) = await JingAsync(System.Text.Encoding.UTF8.GetBytes(feed.ToString()));
        Assert.False(valid, "jing accepted an entry without atom:id");
        Assert.Contains("\"id\"", output, StringComparison.Ordinal);

        var dated = XDocument.Parse(await factory.Visitor().GetStringAsync($"/{slug}/it/feed.atom"));
        dated.Root!.Element(AtomNs + "updated")!.Value = "7 dicembre 2026";
        Assert.False((await JingAsync(System.Text.Encoding.UTF8.GetBytes(dated.ToString()))).Valid, "jing accepted a date that is not RFC 3339");
    }

    [Fact]
    public async Task A_reader_that_has_the_feed_already_gets_304()
    {
        var (n, slug) = await factory.SiteAsync();
        await PublicSiteFactory.PublishAsync(n, "Avviso", "Testo.");
        var visitor = factory.Visitor();
        using var first = await visitor.GetAsync($"/{slug}/it/feed.atom");
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/{slug}/it/feed.atom");
        again.Headers.IfNoneMatch.Add(etag!);
        using var notModified = await visitor.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // A new bulletin changes the feed.
        await PublicSiteFactory.PublishAsync(n, "Secondo avviso", "Testo.");
        using var changed = new HttpRequestMessage(HttpMethod.Get, $"/{slug}/it/feed.atom");
        changed.Headers.IfNoneMatch.Add(etag!);
        using var fresh = await visitor.SendAsync(changed);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotEqual(etag, fresh.Headers.ETag);
    }

    private static async Task AssertValidAtomAsync(byte[] feed, string what)
    {
        var (valid, output) = await JingAsync(feed);
        Assert.True(valid, $"{what} is not valid Atom (RFC 4287):\n{output}");
    }

    /// <summary>Validates a document with jing against RFC 4287's RELAX NG schema: (valid, what jing said).</summary>
    private static async Task<(bool Valid, string Output)> JingAsync(byte[] document)
    {
        var jing = Environment.GetEnvironmentVariable("PIAZZA_JING") ?? "/usr/bin/jing";
        Assert.True(File.Exists(jing), $"jing (the RELAX NG validator) is needed and was not found at {jing}. Run ./test.sh (it installs it) or set PIAZZA_JING.");
        var schema = Path.Combine(Infrastructure.Repository.Root, "tests", "specs", "atom", "atom.rnc");
        var file = Path.Combine(Path.GetTempPath(), "piazza-feed-" + Guid.NewGuid().ToString("N") + ".xml");
        await File.WriteAllBytesAsync(file, document);
        try
        {
            using var process = Process.Start(new ProcessStartInfo(jing, ["-c", schema, file]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode == 0, output + errors);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
