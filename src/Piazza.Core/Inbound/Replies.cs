using System.Globalization;

namespace Piazza.Inbound;

/// <summary>What Piazza answers to keywords, in Italian, Chinese and English (other languages get English).</summary>
public static class Replies
{
    public const string Subscribed = "subscribed";
    public const string AlreadySubscribed = "already-subscribed";
    public const string Left = "left";
    public const string NotSubscribed = "not-subscribed";
    public const string TopicsMenu = "topics-menu";
    public const string TopicsSet = "topics-set";
    public const string TopicsUnknown = "topics-unknown";
    public const string OutOfHours = "out-of-hours";
    public const string Policy = "policy";
    public const string Welcome = "welcome";

    private static readonly Dictionary<string, Dictionary<string, string>> Texts = new(StringComparer.Ordinal)
    {
        ["it"] = new(StringComparer.Ordinal)
        {
            [Subscribed] = "Iscrizione attivata: riceverai qui le notizie di {0}. Per scegliere gli argomenti scrivi {1}; per cancellarti scrivi {2}.",
            [AlreadySubscribed] = "Sei già iscritto alle notizie di {0}. Per scegliere gli argomenti scrivi {1}; per cancellarti scrivi {2}.",
            [Left] = "Iscrizione disattivata: da {0} non riceverai più messaggi. Per iscriverti di nuovo scrivi {1}.",
            [NotSubscribed] = "Non risulti iscritto. Per ricevere le notizie di {0} scrivi {1}.",
            [TopicsMenu] = "Argomenti (✓ = li ricevi):\n{0}\nRispondi con i numeri di quelli che vuoi ricevere, per esempio: 1 3",
            [TopicsSet] = "Argomenti aggiornati. Riceverai: {0}.",
            [TopicsUnknown] = "Non c'è un argomento numero {0}. Scrivi {1} per vedere l'elenco.",
            [OutOfHours] = "Grazie del messaggio. Ora l'ufficio è chiuso: lo leggeremo appena riapre. Per le emergenze chiama il 112.",
            [Policy] = "Informativa sulla privacy: {0}",
            [Welcome] = "Benvenuto! Qui riceverai le notizie di {0} in italiano. Per scegliere gli argomenti (e ricevere le notizie in italiano) scrivi {1}.",
        },
        ["zh"] = new(StringComparer.Ordinal)
        {
            [Subscribed] = "订阅成功：您将在这里收到{0}的消息。选择主题请发送“{1}”；退订请发送“{2}”。",
            [AlreadySubscribed] = "您已订阅{0}的消息。选择主题请发送“{1}”；退订请发送“{2}”。",
            [Left] = "已退订：您将不再收到{0}的消息。重新订阅请发送“{1}”。",
            [NotSubscribed] = "您尚未订阅。接收{0}的消息请发送“{1}”。",
            [TopicsMenu] = "主题（✓ = 已订阅）：\n{0}\n请回复您想接收的主题编号，例如：1 3",
            [TopicsSet] = "主题已更新。您将收到：{0}。",
            [TopicsUnknown] = "没有编号为{0}的主题。发送“{1}”查看列表。",
            [OutOfHours] = "感谢您的留言。办公室现在已下班，我们会在上班后尽快阅读。紧急情况请拨打112。",
            [Policy] = "隐私政策：{0}",
            [Welcome] = "欢迎关注！您将在这里收到{0}的中文消息。选择主题（并接收中文消息）请发送“{1}”。",
        },
        ["en"] = new(StringComparer.Ordinal)
        {
            [Subscribed] = "You are subscribed: you will get the news of {0} here. To choose topics send {1}; to leave send {2}.",
            [AlreadySubscribed] = "You are already subscribed to the news of {0}. To choose topics send {1}; to leave send {2}.",
            [Left] = "You have left: {0} will send you no more messages. To subscribe again send {1}.",
            [NotSubscribed] = "You are not subscribed. To get the news of {0} send {1}.",
            [TopicsMenu] = "Topics (✓ = you get them):\n{0}\nReply with the numbers of those you want, for example: 1 3",
            [TopicsSet] = "Topics updated. You will get: {0}.",
            [TopicsUnknown] = "There is no topic number {0}. Send {1} to see the list.",
            [OutOfHours] = "Thank you for your message. The office is closed now: we will read it as soon as it opens. For emergencies call 112.",
            [Policy] = "Privacy notice: {0}",
            [Welcome] = "Welcome! You will get the news of {0} here in English. To choose topics (and get the news in English) send {1}.",
        },
    };

    /// <summary>The text of a reply in the language (else English), filled in.</summary>
    public static string Get(string key, string language, params object[] args)
    {
        var texts = Texts.GetValueOrDefault(language.Split('-')[0]) ?? Texts["en"];
        return string.Format(CultureInfo.InvariantCulture, texts[key], args);
    }
}
