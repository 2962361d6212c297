using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Piazza.PublicSite;

namespace Piazza.Server.PublicSite;

/// <summary>
/// An Atom feed (RFC 4287) of published bulletins in one language: the feed's id is its own address, each entry's id a
/// name-based UUID of the bulletin and the language (so the same bulletin in Italian and in Chinese are two entries
/// that never change), its link the bulletin's permanent page, its content the bulletin's safe HTML, its category the
/// topic. A bulletin without text in the language comes in the organization's first language, said by
/// <c>xml:lang</c>.
/// </summary>
public static class AtomFeed
{
    public const string ContentType = "application/atom+xml; charset=utf-8";

    private const string Atom = "http://www.w3.org/2005/Atom";

    /// <summary>The feed as UTF-8 bytes.</summary>
    /// <param name="context">The site and the feed's language.</param>
    /// <param name="title">The feed's title (e.g. "Notizie su Acqua").</param>
    /// <param name="selfPath">The feed's own address (path).</param>
    /// <param name="pagePath">The page the feed mirrors (path).</param>
    /// <param name="entries">The bulletins, newest first.</param>
    public static byte[] Write(PublicContext context, string title, string selfPath, string pagePath, IReadOnlyList<PublicBulletin> entries)
    {
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, Async = false };
        using var stream = new MemoryStream();
        using (var xml = XmlWriter.Create(stream, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("feed", Atom);
            xml.WriteAttributeString("xml", "lang", null, context.Language);
            xml.WriteElementString("id", Atom, context.Absolute(selfPath));
            Text(xml, "title", title + " – " + context.Organization.Name);
            Text(xml, "subtitle", context.T["Public news site of {0}, made with Piazza.", context.Organization.Name]);
            Link(xml, "self", "application/atom+xml", context.Absolute(selfPath));
            Link(xml, "alternate", "text/html", context.Absolute(pagePath));
            foreach (var language in context.Organization.Languages.Where(l => l != context.Language))
            {
                xml.WriteStartElement("link", Atom);
                xml.WriteAttributeString("rel", "alternate");
                xml.WriteAttributeString("type", "application/atom+xml");
                xml.WriteAttributeString("hreflang", language);
                xml.WriteAttributeString("href", context.Absolute(context.UrlIn(language)));
                xml.WriteEndElement();
            }

            xml.WriteElementString("updated", Atom, Date(entries.Count > 0 ? entries.Max(e => e.PublishedAt) : context.Now));
            xml.WriteStartElement("author", Atom);
            xml.WriteElementString("name", Atom, context.Organization.Name);
            xml.WriteElementString("uri", Atom, context.Absolute(context.Url()));
            xml.WriteEndElement();
            xml.WriteElementString("generator", Atom, "Piazza");

            foreach (var bulletin in entries)
            {
                var body = bulletin.BodyIn(context.Language, context.Organization.Languages);
                xml.WriteStartElement("entry", Atom);
                if (body.Language != context.Language)
                {
                    xml.WriteAttributeString("xml", "lang", null, body.Language);
                }

                xml.WriteElementString("id", Atom, "urn:uuid:" + NameBasedId(bulletin.Id, context.Language).ToString("D"));
                Text(xml, "title", body.Title);
                Link(xml, "alternate", "text/html", context.Absolute(context.BulletinUrl(bulletin.Id)));
                xml.WriteElementString("published", Atom, Date(bulletin.PublishedAt));
                xml.WriteElementString("updated", Atom, Date(bulletin.PublishedAt));
                if (context.Topic(bulletin.TopicId) is { } topic)
                {
                    xml.WriteStartElement("category", Atom);
                    xml.WriteAttributeString("term", topic.Key);
                    xml.WriteAttributeString("scheme", context.Absolute(context.Url("/topics/")));
                    xml.WriteAttributeString("label", context.TopicName(topic));
                    xml.WriteEndElement();
                }

                if (PublicContext.Excerpt(body, 300) is { Length: > 0 } summary)
                {
                    Text(xml, "summary", summary);
                }

                xml.WriteStartElement("content", Atom);
                xml.WriteAttributeString("type", "html");
                xml.WriteString(PublicContext.Html(body));
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return stream.ToArray();
    }

    /// <summary>A version-5 (SHA-1, RFC 9562) UUID of a bulletin in one language: the same for ever, different per language.</summary>
    public static Guid NameBasedId(Guid bulletin, string language)
    {
        var name = Encoding.UTF8.GetBytes(language);
        var input = new byte[16 + name.Length];
        bulletin.TryWriteBytes(input, bigEndian: true, out _);
        name.CopyTo(input, 16);
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 names for version-5 UUIDs: an identifier, not a signature.
        var hash = SHA1.HashData(input);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private static void Text(XmlWriter xml, string name, string value)
    {
        xml.WriteStartElement(name, Atom);
        xml.WriteAttributeString("type", "text");
        xml.WriteString(value);
        xml.WriteEndElement();
    }

    private static void Link(XmlWriter xml, string rel, string type, string href)
    {
        xml.WriteStartElement("link", Atom);
        xml.WriteAttributeString("rel", rel);
        xml.WriteAttributeString("type", type);
        xml.WriteAttributeString("href", href);
        xml.WriteEndElement();
    }

    private static string Date(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
