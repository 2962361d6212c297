using System.Globalization;
using Piazza.Channels;

namespace Piazza.Server.PublicSite;

/// <summary>
/// The words of the subscribe page, the policy pages and the flyers, in Italian, Chinese and English (keys are the English
/// text), as <see cref="PublicText"/> has the rest of the site's; any other language of an organization gets English.
/// </summary>
public sealed class JoinText
{
    private static readonly Dictionary<string, (string It, string Zh)> Texts = new(StringComparer.Ordinal)
    {
        // The subscribe page
        ["Receive the news on your phone"] = ("Ricevi le notizie sul telefono", "在手机上接收新闻"),
        ["Choose the app you already use: joining is free, and you can leave at any time."] = (
            "Scegli l'app che usi già: l'iscrizione è gratuita e puoi cancellarti in qualunque momento.", "选择您已经在使用的应用：订阅免费，可随时退订。"),
        ["There is no channel to join yet."] = ("Non ci sono ancora canali a cui iscriversi.", "目前还没有可以订阅的渠道。"),
        ["Save the number {0} in your contacts and send the message {1}."] = ("Salva il numero {0} nella rubrica e invia il messaggio {1}.", "将号码 {0} 保存到通讯录，然后发送消息 {1}。"),
        ["Or scan the QR code: WhatsApp opens with the message ready to send."] = (
            "Oppure inquadra il codice QR: WhatsApp si apre con il messaggio già scritto.", "或扫描二维码：WhatsApp 将打开并自动填好消息。"),
        ["To leave, send {0}."] = ("Per cancellarti invia {0}.", "退订请发送 {0}。"),
        ["Open the bot {0} on Telegram and press Start."] = ("Apri il bot {0} su Telegram e premi Avvia.", "在 Telegram 中打开机器人 {0}，然后点击“开始”。"),
        ["Join the channel {0} on Telegram."] = ("Unisciti al canale {0} su Telegram.", "在 Telegram 中加入频道 {0}。"),
        ["Search for {0} in WeChat and follow the account."] = ("Cerca {0} su WeChat e segui l'account.", "在微信中搜索 {0} 并关注该账号。"),
        ["Or scan the QR code with WeChat."] = ("Oppure inquadra il codice QR con WeChat.", "或用微信扫描二维码。"),
        ["To stop, unfollow the account."] = ("Per smettere, non seguire più l'account.", "取消关注即可停止接收。"),
        ["Follow {0}."] = ("Segui {0}.", "关注 {0}。"),
        ["Open WhatsApp"] = ("Apri WhatsApp", "打开 WhatsApp"),
        ["Open Telegram"] = ("Apri Telegram", "打开 Telegram"),
        ["Open the page"] = ("Apri la pagina", "打开页面"),
        ["QR code to join {0}"] = ("Codice QR per iscriversi a {0}", "订阅 {0} 的二维码"),
        ["Download the QR code"] = ("Scarica il codice QR", "下载二维码"),
        ["QR code of {0} as PNG"] = ("Codice QR di {0} in PNG", "{0} 的二维码（PNG）"),
        ["QR code of {0} as SVG"] = ("Codice QR di {0} in SVG", "{0} 的二维码（SVG）"),
        ["Rules and privacy of this channel"] = ("Regole e privacy di questo canale", "本渠道的规则和隐私政策"),
        ["Printable flyer (A4)"] = ("Volantino da stampare (A4)", "可打印传单（A4）"),
        ["Printable flyer of {0} (A4)"] = ("Volantino da stampare di {0} (A4)", "{0} 的可打印传单（A4）"),
        ["Link"] = ("Link", "链接"),

        // The policy pages
        ["Rules and privacy: {0}"] = ("Regole e privacy: {0}", "规则和隐私政策：{0}"),
        ["Version {0}, published on {1}."] = ("Versione {0}, pubblicata il {1}.", "第 {0} 版，发布于{1}。"),
        ["This is the version in force."] = ("È la versione in vigore.", "这是现行版本。"),
        ["This version was replaced on {0}."] = ("Questa versione è stata sostituita il {0}.", "此版本已于{0}被替换。"),
        ["Read the version in force"] = ("Leggi la versione in vigore", "阅读现行版本"),
        ["Versions"] = ("Versioni", "版本"),
        ["Version {0}"] = ("Versione {0}", "第 {0} 版"),
        ["in force"] = ("in vigore", "现行"),
        ["How to join"] = ("Come iscriversi", "如何订阅"),

        // The flyers
        ["Receive the news of {0} on {1}"] = ("Ricevi le notizie del {0} su {1}", "通过{1}接收{0}的消息"),
        ["Scan the QR code with your phone's camera: WhatsApp opens with the message {0} written. Press Send."] = (
            "Inquadra il codice QR con la fotocamera del telefono: WhatsApp si apre con il messaggio {0} già scritto. Premi Invia.",
            "用手机相机扫描二维码：WhatsApp 将打开并自动填好消息 {0}。点击“发送”。"),
        ["Or save the number {0} and send {1}."] = ("Oppure salva il numero {0} e invia {1}.", "或保存号码 {0} 并发送 {1}。"),
        ["Scan the QR code with your phone's camera: Telegram opens the bot {0}. Press Start."] = (
            "Inquadra il codice QR con la fotocamera del telefono: Telegram apre il bot {0}. Premi Avvia.",
            "用手机相机扫描二维码：Telegram 将打开机器人 {0}。点击“开始”。"),
        ["Scan the QR code with your phone's camera: Telegram opens the channel {0}. Join it."] = (
            "Inquadra il codice QR con la fotocamera del telefono: Telegram apre il canale {0}. Unisciti.",
            "用手机相机扫描二维码：Telegram 将打开频道 {0}。点击加入。"),
        ["Scan the QR code with WeChat and press Follow."] = ("Inquadra il codice QR con WeChat e premi Segui.", "用微信扫描二维码，然后点击“关注”。"),
        ["Or search for {0} in WeChat."] = ("Oppure cerca {0} su WeChat.", "或在微信中搜索 {0}。"),
        ["Scan the QR code with your phone's camera to open {0}."] = ("Inquadra il codice QR con la fotocamera del telefono per aprire {0}.", "用手机相机扫描二维码打开 {0}。"),
        ["Free of charge. You can leave at any time."] = ("È gratuito. Puoi cancellarti in qualunque momento.", "免费。可随时退订。"),
        ["Rules and privacy:"] = ("Regole e privacy:", "规则和隐私政策："),
        ["Flyer code: {0}"] = ("Codice del volantino: {0}", "传单编号：{0}"),
        ["Print this page on A4 paper (the print dialogue of the browser: Ctrl+P)."] = (
            "Stampa questa pagina su carta A4 (la stampa del browser: Ctrl+P).", "请用 A4 纸打印本页（浏览器打印：Ctrl+P）。"),
        ["Flyer: {0}"] = ("Volantino: {0}", "传单：{0}"),
        ["Every channel and how to join it"] = ("Tutti i canali e come iscriversi", "所有渠道及订阅方法"),
    };

    private JoinText(string language, CultureInfo culture)
    {
        Language = language;
        Culture = culture;
    }

    /// <summary>The language the words are in (it, zh or en).</summary>
    public string Language { get; }

    public CultureInfo Culture { get; }

    /// <summary>Every key with its Italian and Chinese text (for the test that none is missing).</summary>
    public static IReadOnlyDictionary<string, (string It, string Zh)> All => Texts;

    public string this[string key] => Language switch
    {
        "it" => Texts.TryGetValue(key, out var t) ? t.It : key,
        "zh" => Texts.TryGetValue(key, out var t) ? t.Zh : key,
        _ => key,
    };

    public string this[string key, params object[] args] => string.Format(Culture, this[key], args);

    /// <summary>The words for a page in <paramref name="language"/>.</summary>
    public static JoinText For(string language)
    {
        var words = PublicText.For(language);
        return new JoinText(words.Language, words.Culture);
    }

    /// <summary>A platform's name as people know it in the language (WeChat is 微信 in Chinese).</summary>
    public string Platform(ChannelKind kind) => kind switch
    {
        ChannelKind.WhatsApp => "WhatsApp",
        ChannelKind.WeChat => Language == "zh" ? "微信" : "WeChat",
        ChannelKind.Telegram => "Telegram",
        ChannelKind.Facebook => "Facebook",
        ChannelKind.X => "X",
        ChannelKind.Mastodon => "Mastodon",
        _ => Language == "zh" ? "网站" : Language == "it" ? "sito web" : "website",
    };
}
