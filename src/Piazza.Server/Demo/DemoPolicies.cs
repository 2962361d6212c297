namespace Piazza.Server.Demo;

/// <summary>The first published policy of each demo channel, in Italian and Chinese, written as WhatsEmpoli's policy for
/// its channel: what is sent, how often (at most 4–5 messages a month), when the office answers, how to join and leave,
/// what personal data is kept.</summary>
public static class DemoPolicies
{
    public static IReadOnlyDictionary<string, string?> WhatsApp { get; } = new Dictionary<string, string?>
    {
        ["it"] = """
            ## Regole del servizio WhatsPrato

            WhatsPrato è il canale WhatsApp del Comune di Prato per informare i cittadini. È gratuito: servono soltanto WhatsApp e una connessione a Internet.

            ### Che cosa riceverai
            - allerte di protezione civile e allerte meteo;
            - interruzioni dell'acqua, modifiche alla viabilità (anche nei giorni delle partite), farmacie di turno;
            - chiusure delle scuole, scadenze, eventi in città.

            Per scegliere i temi che ti interessano scrivi **TEMI**.

            ### Quanti messaggi
            Al massimo **4-5 messaggi al mese**, nell'orario del servizio e mai di notte. Le emergenze di protezione civile sono inviate a qualunque ora.

            ### Quando rispondiamo
            Il servizio è presidiato dal lunedì al venerdì dalle 9 alle 13 e dalle 15 alle 18, il sabato dalle 9 alle 12, e in ogni momento quando un'emergenza lo richiede. WhatsPrato non sostituisce i numeri di emergenza: in caso di pericolo chiama il **112**.

            ### Come iscriversi e come cancellarsi
            Salva il numero nella rubrica e invia **ATTIVA ISCRIZIONE**. Per cancellarti, in qualunque momento e gratuitamente, invia **DISATTIVA ISCRIZIONE**: la cancellazione è immediata.

            ### Dati personali
            Il Comune conserva il tuo numero di telefono, il nome del tuo profilo WhatsApp, la lingua e i temi che scegli, la data e il testo della tua iscrizione, soltanto per inviarti le notizie. Non li usa per altri scopi e non li cede a terzi. Puoi chiedere in ogni momento di vedere o cancellare i tuoi dati all'Ufficio Comunicazione e Stampa (comunicazione@prato.demo). Titolare del trattamento: Comune di Prato.
            """,
        ["zh"] = """
            ## WhatsPrato 服务规则

            WhatsPrato 是普拉托市政府向市民发布信息的 WhatsApp 频道。服务免费，只需要 WhatsApp 和网络连接。

            ### 您将收到的信息
            - 民防警报和天气预警；
            - 停水通知、交通变更（包括比赛日）、值班药店；
            - 学校停课、各项截止日期、城市活动。

            发送 **主题** 选择您感兴趣的主题。

            ### 消息数量
            每月最多 **4–5 条**，在服务时间内发送，夜间不发送。民防紧急信息随时发送。

            ### 服务时间
            周一至周五 9:00–13:00 和 15:00–18:00，周六 9:00–12:00；遇到紧急情况时随时值守。WhatsPrato 不能代替紧急电话：遇到危险请拨打 **112**。

            ### 如何订阅和退订
            将号码保存到通讯录，然后发送 **订阅**。随时发送 **退订** 即可免费退订，立即生效。

            ### 个人数据
            市政府仅为向您发送消息而保存您的电话号码、WhatsApp 昵称、您选择的语言和主题以及订阅的时间和内容，不作他用，也不会提供给第三方。您可以随时联系传播与新闻办公室（comunicazione@prato.demo）查看或删除您的数据。数据控制者：普拉托市政府。
            """,
    };

    public static IReadOnlyDictionary<string, string?> WeChat { get; } = new Dictionary<string, string?>
    {
        ["it"] = """
            ## Regole dell'account ViaRoma101

            ViaRoma101 è l'account WeChat dell'Ufficio Immigrazione e Cittadinanza del Comune di Prato. Pubblica in cinese e in italiano, con mediatrici e mediatori culturali di madrelingua cinese, coordinati dall'Ufficio Comunicazione.

            ### Che cosa pubblica
            Avvisi dei servizi pubblici, iscrizioni scolastiche e obbligo scolastico, eventi culturali, allerte meteo, tributi, raccolta dei rifiuti, sicurezza.

            ### Quanti messaggi
            Al massimo **4 invii al mese** (il limite di WeChat per gli account di servizio). Le emergenze di protezione civile sono inviate quando servono.

            ### Commenti e domande
            Puoi commentare gli articoli; i commenti sono moderati secondo la social media policy del Comune. Per ora l'account non riceve richieste personali e non offre una chat con gli operatori: per le pratiche rivolgiti allo sportello di via Roma 101 (dal lunedì al venerdì 9-13, martedì e giovedì anche 15-17). Scrivi **ORARI** o **INDIRIZZO** per avere orari e indirizzo.

            ### Come seguire e come smettere
            Cerca **ViaRoma101** su WeChat oppure inquadra il codice QR dei volantini e premi «Segui». Per smettere basta non seguire più l'account: non riceverai più messaggi.

            ### Dati personali
            Il Comune conserva l'identificativo anonimo che WeChat gli assegna per te (OpenID), la lingua e i temi che scegli e la data in cui hai iniziato a seguire l'account, soltanto per inviarti le notizie nella tua lingua. Non conosce il tuo numero di telefono. Puoi chiedere di vedere o cancellare i tuoi dati all'Ufficio Immigrazione (immigrazione@prato.demo). Titolare del trattamento: Comune di Prato.
            """,
        ["zh"] = """
            ## ViaRoma101 账号规则

            ViaRoma101 是普拉托市政府移民与公民事务办公室的微信服务号，由以中文为母语的文化调解员用中文和意大利文发布信息，并由传播办公室统一协调。

            ### 发布内容
            公共服务通知、学校报名和义务教育、文化活动、天气预警、税费、垃圾收集、安全信息。

            ### 消息数量
            每月最多群发 **4 次**（微信服务号的限制）。民防紧急信息在需要时发送。

            ### 评论和咨询
            您可以在文章下留言，留言按照市政府的社交媒体政策进行管理。目前本账号不受理个人事务，也不提供人工在线咨询：办理业务请到罗马路101号窗口（周一至周五 9:00–13:00，周二和周四另有 15:00–17:00）。发送 **营业时间** 或 **地址** 可查询办公时间和地址。

            ### 如何关注和取消关注
            在微信中搜索 **ViaRoma101** 或扫描传单上的二维码，然后点击“关注”。取消关注后将不再收到消息。

            ### 个人数据
            市政府仅保存微信为您分配的匿名标识（OpenID）、您选择的语言和主题以及开始关注的时间，仅用于以您的语言向您发送消息。市政府不知道您的电话号码。如需查看或删除数据，请联系移民办公室（immigrazione@prato.demo）。数据控制者：普拉托市政府。
            """,
    };

    public static IReadOnlyDictionary<string, string?> Telegram { get; } = new Dictionary<string, string?>
    {
        ["it"] = """
            ## Regole del bot Telegram di Prato Notizie

            Prato Notizie è il bot Telegram del Comune di Prato: invia le notizie dei temi che scegli, in italiano o in cinese.

            ### Che cosa riceverai
            Allerte di protezione civile e meteo, acqua, viabilità, farmacie di turno, scuole, sport, cultura ed eventi: scegli i temi con **/topics**.

            ### Quanti messaggi
            Al massimo **4-5 messaggi al mese**, nell'orario del servizio (dal lunedì al venerdì 9-13 e 15-18, il sabato 9-12) e mai di notte. Le emergenze sono inviate a qualunque ora.

            ### Come iscriversi e come cancellarsi
            Apri il bot e premi **Avvia** (/start). Per cancellarti invia **/stop** oppure blocca il bot: la cancellazione è immediata.

            ### Dati personali
            Il Comune conserva l'identificativo della tua chat Telegram, il nome del profilo, la lingua e i temi che scegli e la data dell'iscrizione, soltanto per inviarti le notizie. Non conosce il tuo numero di telefono. Puoi chiedere di vedere o cancellare i tuoi dati all'Ufficio Comunicazione e Stampa (comunicazione@prato.demo). Titolare del trattamento: Comune di Prato.
            """,
        ["zh"] = """
            ## Prato Notizie Telegram 机器人规则

            Prato Notizie 是普拉托市政府的 Telegram 机器人，按照您选择的主题用意大利文或中文发送消息。

            ### 您将收到的信息
            民防和天气预警、供水、交通、值班药店、学校、体育、文化活动：发送 **/topics** 选择主题。

            ### 消息数量
            每月最多 **4–5 条**，在服务时间内发送（周一至周五 9:00–13:00 和 15:00–18:00，周六 9:00–12:00），夜间不发送。紧急信息随时发送。

            ### 如何订阅和退订
            打开机器人并点击 **开始**（/start）。发送 **/stop** 或屏蔽机器人即可退订，立即生效。

            ### 个人数据
            市政府仅保存您的 Telegram 聊天标识、昵称、您选择的语言和主题以及订阅时间，仅用于向您发送消息。市政府不知道您的电话号码。如需查看或删除数据，请联系传播与新闻办公室（comunicazione@prato.demo）。数据控制者：普拉托市政府。
            """,
    };
}
