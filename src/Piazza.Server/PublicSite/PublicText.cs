using System.Globalization;

namespace Piazza.Server.PublicSite;

/// <summary>
/// The public site's own words (menus, headings, dates), in Italian, Chinese and English; any other language of an
/// organization gets English for these while its bulletins are shown in it. Keys are the English text.
/// </summary>
public sealed class PublicText
{
    /// <summary>The languages the site's own words are written in.</summary>
    public static readonly IReadOnlyList<string> Languages = ["it", "zh", "en"];

    private static readonly Dictionary<string, (string It, string Zh)> Texts = new(StringComparer.Ordinal)
    {
        ["Skip to content"] = ("Vai al contenuto", "跳到正文"),
        ["Language"] = ("Lingua", "语言"),
        ["Main menu"] = ("Menu principale", "主菜单"),
        ["News"] = ("Notizie", "新闻"),
        ["Home"] = ("Home", "首页"),
        ["All news"] = ("Tutte le notizie", "全部新闻"),
        ["Latest news"] = ("Ultime notizie", "最新消息"),
        ["Topics"] = ("Argomenti", "主题"),
        ["Subscribe"] = ("Iscriviti", "订阅"),
        ["Receive the news on your phone"] = ("Ricevi le notizie sul telefono", "在手机上接收新闻"),
        ["WhatsApp, Telegram, WeChat and the other channels of the city: how to join."] = (
            "WhatsApp, Telegram, WeChat e gli altri canali del Comune: come iscriversi.", "WhatsApp、Telegram、微信及市政府的其他渠道：如何订阅。"),
        ["Emergency"] = ("Emergenza", "紧急情况"),
        ["Emergency in progress"] = ("Emergenza in corso", "紧急情况进行中"),
        ["Urgent"] = ("Urgente", "紧急"),
        ["Published on {0}"] = ("Pubblicato il {0}", "发布于{0}"),
        ["Valid until {0}"] = ("Valido fino al {0}", "有效期至{0}"),
        ["Ended on {0}"] = ("Terminato il {0}", "已于{0}结束"),
        ["This alert is over: it ended on {0}."] = ("Questa allerta è terminata il {0}.", "此警报已于{0}结束。"),
        ["No news has been published yet."] = ("Non è stata ancora pubblicata nessuna notizia.", "尚未发布任何新闻。"),
        ["No news on this topic yet."] = ("Non ci sono ancora notizie su questo argomento.", "此主题暂无新闻。"),
        ["Page {0} of {1}"] = ("Pagina {0} di {1}", "第{0}页，共{1}页"),
        ["Pages"] = ("Pagine", "分页"),
        ["Previous page"] = ("Pagina precedente", "上一页"),
        ["Next page"] = ("Pagina successiva", "下一页"),
        ["Atom feed"] = ("Feed Atom", "Atom 订阅源"),
        ["Atom feed: {0}"] = ("Feed Atom: {0}", "Atom 订阅源：{0}"),
        ["Feeds"] = ("Feed", "订阅源"),
        ["All the news, as an Atom feed for feed readers."] = ("Tutte le notizie, come feed Atom per i lettori di feed.", "全部新闻，供阅读器使用的 Atom 订阅源。"),
        ["This text is not available in {0}: it is shown in {1}."] = ("Questo testo non è disponibile in {0}: è mostrato in {1}.", "此内容没有{0}版本，以下为{1}版本。"),
        ["Also in"] = ("Anche in", "其他语言"),
        ["Topic"] = ("Argomento", "主题"),
        ["News on {0}"] = ("Notizie su {0}", "{0}相关新闻"),
        ["Page not found"] = ("Pagina non trovata", "页面未找到"),
        ["The page you asked for does not exist, or is no longer published."] = (
            "La pagina richiesta non esiste o non è più pubblicata.", "您请求的页面不存在或已不再发布。"),
        ["Go to the home page"] = ("Vai alla pagina iniziale", "返回首页"),
        ["Staff area"] = ("Area riservata al personale", "工作人员专区"),
        ["Public news site of {0}, made with Piazza."] = ("Sito pubblico delle notizie di {0}, realizzato con Piazza.", "{0}新闻公共网站，由 Piazza 提供。"),
        ["Municipalities"] = ("Comuni", "市镇"),
        ["The municipalities that publish their news here."] = ("I Comuni che pubblicano qui le loro notizie.", "在此发布新闻的市镇。"),
        ["Read"] = ("Leggi", "阅读"),
        ["News of {0}"] = ("Notizie del {0}", "{0}新闻"),
        ["Stay informed"] = ("Resta informato", "随时了解"),
        ["{0} news"] = ("{0} notizie", "{0}条新闻"),
        ["1 news item"] = ("1 notizia", "1条新闻"),
    };

    private PublicText(string language) => Language = language;

    /// <summary>The language the words are in (it, zh or en).</summary>
    public string Language { get; }

    /// <summary>The culture dates and numbers are written in (the page's language).</summary>
    public CultureInfo Culture { get; private init; } = CultureInfo.InvariantCulture;

    public string this[string key] => Language switch
    {
        "it" => Texts.TryGetValue(key, out var t) ? t.It : key,
        "zh" => Texts.TryGetValue(key, out var t) ? t.Zh : key,
        _ => key,
    };

    public string this[string key, params object[] args] => string.Format(Culture, this[key], args);

    /// <summary>The words for a page in <paramref name="language"/> (a language of the organization).</summary>
    public static PublicText For(string language)
    {
        var primary = language.Split('-')[0];
        var words = Languages.Contains(primary, StringComparer.Ordinal) ? primary : "en";
        return new PublicText(words) { Culture = CultureOf(language) };
    }

    /// <summary>Every key, with its Italian and Chinese text (for the tests that check none is missing).</summary>
    public static IReadOnlyDictionary<string, (string It, string Zh)> All => Texts;

    /// <summary>A language's own name, with a capital where the language has capitals ("Italiano", "中文", "English").</summary>
    public static string NativeName(string language)
    {
        CultureInfo culture;
        try
        {
            culture = CultureInfo.GetCultureInfo(language);
        }
        catch (CultureNotFoundException)
        {
            return language;
        }

        var name = culture.NativeName;
        return name.Length > 0 && !culture.Equals(CultureInfo.InvariantCulture) ? char.ToUpper(name[0], culture) + name[1..] : language;
    }

    private static CultureInfo CultureOf(string language)
    {
        try
        {
            return CultureInfo.GetCultureInfo(language.Split('-')[0] == "zh" && !language.Contains('-', StringComparison.Ordinal) ? "zh-CN" : language);
        }
        catch (CultureNotFoundException)
        {
            return CultureInfo.InvariantCulture;
        }
    }
}
