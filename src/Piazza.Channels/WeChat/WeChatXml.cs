using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Piazza.Channels.WeChat;

/// <summary>What a <c>MASSSENDJOBFINISH</c> event reports about one mass send.</summary>
/// <param name="MsgId">The mass send's msg_id, as <c>message/mass/sendall</c> returned it.</param>
/// <param name="Status">"send success", "send fail" or "err(…)".</param>
public sealed record WeChatMassSendResult(string MsgId, string Status, int TotalCount, int FilterCount, int SentCount, int ErrorCount)
{
    public bool Succeeded => string.Equals(Status, "send success", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A message or event WeChat pushed to the callback URL.</summary>
/// <param name="ToUserName">The official account's original id (gh_…).</param>
/// <param name="FromUserName">The follower's OpenID.</param>
/// <param name="CreateTime">When it happened (UTC).</param>
/// <param name="MsgType">text, image, voice, video, location, link, event…</param>
/// <param name="Content">The text of a text message.</param>
/// <param name="MsgId">The message's id (messages only; events have none).</param>
/// <param name="Event">For <c>MsgType=event</c>: subscribe, unsubscribe, SCAN, CLICK, MASSSENDJOBFINISH…</param>
/// <param name="EventKey">subscribe from a parameter QR code: <c>qrscene_&lt;scene&gt;</c>; SCAN: the scene; CLICK: the menu key.</param>
/// <param name="MassSend">For MASSSENDJOBFINISH: its result.</param>
public sealed record WeChatInbound(
    string ToUserName, string FromUserName, DateTime CreateTime, string MsgType, string? Content, string? MsgId, string? Event, string? EventKey, WeChatMassSendResult? MassSend)
{
    public bool IsEvent => string.Equals(MsgType, "event", StringComparison.OrdinalIgnoreCase);

    /// <summary>What identifies it across WeChat's retries: the MsgId of a message; for an event, the sender and the
    /// time (as WeChat documents), with the event's name.</summary>
    public string DedupeKey => MsgId is { Length: > 0 } id && !IsEvent
        ? id
        : string.Create(CultureInfo.InvariantCulture, $"{FromUserName}:{WeChatXml.UnixSeconds(CreateTime)}:{Event}");

    /// <summary>The scene of the flyer QR code that brought a follow or a scan, or null.</summary>
    public string? Scene => Event switch
    {
        _ when EventKey is not { Length: > 0 } => null,
        "subscribe" when EventKey.StartsWith("qrscene_", StringComparison.Ordinal) && EventKey.Length > "qrscene_".Length => EventKey["qrscene_".Length..],
        "SCAN" => EventKey,
        _ => null,
    };
}

/// <summary>
/// WeChat's XML, read safely: no DTD (a document with one is refused, so no external entity and no entity expansion
/// such as "billion laughs" is ever processed), no resolver, and a size limit on the characters read. Also writes the
/// passive reply and the safe-mode envelope.
/// </summary>
public static class WeChatXml
{
    /// <summary>WeChat's callbacks are small; a larger body is refused before it is read.</summary>
    public const int MaxBody = 64 * 1024;

    /// <summary>Reads a callback body into its elements; throws <see cref="XmlException"/> for anything but a plain <c>&lt;xml&gt;</c> document.</summary>
    public static IReadOnlyDictionary<string, string> Fields(string xml)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxBody,
            MaxCharactersFromEntities = 1024, // 0 would mean "no limit"; with no DTD only &amp; &#…; and the like remain, which do not count
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            CloseInput = true,
        };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        var root = XElement.Load(reader, LoadOptions.None);
        if (root.Name.LocalName != "xml")
        {
            throw new XmlException("The root element must be <xml>.");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var element in root.Elements())
        {
            fields.TryAdd(element.Name.LocalName, element.Value);
        }

        return fields;
    }

    /// <summary>The message or event of a (decrypted) callback; throws <see cref="XmlException"/> when it lacks what every callback has.</summary>
    public static WeChatInbound Parse(string xml)
    {
        var f = Fields(xml);
        string Required(string name) => f.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new XmlException($"The callback has no {name}.");
        string? Optional(string name) => f.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
        int Count(string name) => int.TryParse(Optional(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

        if (!long.TryParse(Required("CreateTime"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || seconds > 253_402_300_799)
        {
            throw new XmlException("CreateTime is not a Unix time.");
        }

        var type = Required("MsgType");
        var ev = Optional("Event");
        WeChatMassSendResult? mass = null;
        if (string.Equals(ev, "MASSSENDJOBFINISH", StringComparison.Ordinal))
        {
            // WeChat writes this event's id as MsgID (the messages' MsgId differs in case).
            mass = new(Optional("MsgID") ?? Optional("MsgId") ?? throw new XmlException("MASSSENDJOBFINISH has no MsgID."),
                Optional("Status") ?? string.Empty, Count("TotalCount"), Count("FilterCount"), Count("SentCount"), Count("ErrorCount"));
        }

        return new WeChatInbound(
            Required("ToUserName"), Required("FromUserName"), DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime, type,
            Optional("Content"), Optional("MsgId"), ev, Optional("EventKey"), mass);
    }

    /// <summary>A passive text reply: the same XML with the sender and the recipient swapped.</summary>
    public static string TextReply(string toUser, string fromUser, DateTime now, string content)
    {
        var sb = new StringBuilder("<xml>");
        Cdata(sb, "ToUserName", toUser);
        Cdata(sb, "FromUserName", fromUser);
        sb.Append("<CreateTime>").Append(UnixSeconds(now).ToString(CultureInfo.InvariantCulture)).Append("</CreateTime>");
        Cdata(sb, "MsgType", "text");
        Cdata(sb, "Content", content);
        return sb.Append("</xml>").ToString();
    }

    /// <summary>The safe-mode envelope of a callback or of an encrypted reply.</summary>
    public static string Envelope(string encrypt, string signature, string timestamp, string nonce, string? toUser = null)
    {
        var sb = new StringBuilder("<xml>");
        if (toUser is not null)
        {
            Cdata(sb, "ToUserName", toUser);
        }

        Cdata(sb, "Encrypt", encrypt);
        Cdata(sb, "MsgSignature", signature);
        sb.Append("<TimeStamp>").Append(Escape(XmlText(timestamp))).Append("</TimeStamp>");
        Cdata(sb, "Nonce", nonce);
        return sb.Append("</xml>").ToString();
    }

    /// <summary>A CDATA element; a "]]&gt;" in the text is split across two sections, and characters XML cannot carry are dropped.</summary>
    public static void Cdata(StringBuilder sb, string name, string text)
    {
        sb.Append('<').Append(name).Append("><![CDATA[")
            .Append(XmlText(text).Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal))
            .Append("]]></").Append(name).Append('>');
    }

    /// <summary>Seconds since 1970 of <paramref name="time"/>: a local time is converted, an unspecified one taken as UTC.</summary>
    internal static long UnixSeconds(DateTime time) =>
        new DateTimeOffset(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeSeconds();

    /// <summary>The text without the characters XML cannot carry: controls, U+FFFE/U+FFFF and unpaired surrogates
    /// (a pair, e.g. an emoji, is kept).</summary>
    private static string XmlText(string text)
    {
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (XmlConvert.IsXmlChar(c))
            {
                clean.Append(c);
            }
            else if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c))
            {
                clean.Append(c).Append(text[++i]);
            }
        }

        return clean.ToString();
    }

    /// <summary>Text for an element's content outside CDATA.</summary>
    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
