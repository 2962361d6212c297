using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Campaigns;
using Piazza.Channels.Campaigns;
using Piazza.Channels.Mastodon;
using Piazza.Channels.Telegram;
using Piazza.Channels.WeChat;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Channels.WhatsApp;
using Piazza.Posts;
using Piazza.Data;
using Piazza.Offices;
using Piazza.Organizations;
using Piazza.Policies;
using Piazza.Server.Hosting;
using Piazza.Staff;
using Piazza.Subscribers;
using Piazza.Topics;

namespace Piazza.Server.Demo;

/// <summary>The demo municipality, "Comune di Prato (demo)": offices, topics in Italian and Chinese, one staff
/// user per role, sandbox channels and invented subscribers. Everything goes through the feature services, so
/// the demo obeys the same rules as real data.</summary>
public sealed class DemoSeeder(IServiceProvider services, IOptions<DemoOptions> options, TimeProvider time)
{
    public const string Slug = "prato-demo";
    public const string AdminEmail = "admin@prato.demo";

    public sealed record Result(Guid OrganizationId, string Password, IReadOnlyList<(string Email, string Role)> Users);

    /// <summary>Creates the demo unless an organization with its slug exists; returns null then.</summary>
    public async Task<Result?> SeedAsync(CancellationToken ct)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            if (await db.Organizations.IgnoreQueryFilters().AnyAsync(o => o.Slug == Slug, ct))
            {
                return null;
            }
        }

        Organization org;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            org = await OrganizationService.CreateAsync(db, "Comune di Prato (demo)", Slug, ["it", "zh"], time, ct);
        }

        await using var s = ActorOverride.ForOrganization(services, org.Id);
        var sp = s.ServiceProvider;
        await sp.GetRequiredService<OrganizationService>().UpdateAsync(new OrganizationInput(
            "Comune di Prato (demo)", "Europe/Rome", 198_326, null,
            [
                new("Residenti di cittadinanza cinese", "zh", 33_000),
                new("Residenti di altre cittadinanze straniere", null, 30_000),
                new("Studenti delle scuole comunali", "it", 9_500),
            ]), ct);

        var officeService = sp.GetRequiredService<OfficeService>();
        var communication = await officeService.CreateAsync(new("Ufficio Comunicazione e Stampa", "comunicazione@prato.demo"), ct);
        var immigration = await officeService.CreateAsync(new("Ufficio Immigrazione e Cittadinanza", "immigrazione@prato.demo"), ct);
        var civil = await officeService.CreateAsync(new("Protezione Civile", "protezionecivile@prato.demo"), ct);
        var schools = await officeService.CreateAsync(new("Servizi Educativi e Scuole", "scuole@prato.demo"), ct);

        var topicService = sp.GetRequiredService<TopicService>();
        (string Key, string It, string Zh, Guid Office)[] topics =
        [
            ("protezione-civile", "Protezione civile", "民防", civil.Id),
            ("allerta-meteo", "Allerta meteo", "天气预警", civil.Id),
            ("acqua", "Acqua", "供水", communication.Id),
            ("traffico", "Traffico e viabilità", "交通", communication.Id),
            ("farmacie-di-turno", "Farmacie di turno", "值班药店", communication.Id),
            ("scuole", "Scuole", "学校", schools.Id),
            ("cultura-eventi", "Cultura ed eventi", "文化活动", communication.Id),
            ("tributi", "Tributi", "税务", communication.Id),
            ("rifiuti", "Rifiuti e raccolta differenziata", "垃圾分类", communication.Id),
            ("sport", "Sport", "体育", communication.Id),
            ("servizi-immigrazione", "Servizi per cittadini stranieri", "外国公民服务", immigration.Id),
        ];
        var topicIds = new List<Guid>();
        foreach (var t in topics)
        {
            var view = await topicService.CreateAsync(new TopicInput(t.Key, new Dictionary<string, string?> { ["it"] = t.It, ["zh"] = t.Zh }, t.Office), ct);
            topicIds.Add(view.Id);
        }

        var password = string.IsNullOrWhiteSpace(options.Value.Password) ? StaffService.GeneratePassword() : options.Value.Password;
        var users = sp.GetRequiredService<UserManager<StaffUser>>();
        var staff = sp.GetRequiredService<StaffService>();
        (string Email, string Name, RoleView Role)[] people =
        [
            (AdminEmail, "Giulia Bianchi (amministratrice)", new RoleView(StaffRole.Admin, null, null)),
            ("redazione@prato.demo", "Marco Rossi (redazione)", new RoleView(StaffRole.Editor, communication.Id, null)),
            ("protezionecivile@prato.demo", "Sara Conti (protezione civile)", new RoleView(StaffRole.Editor, civil.Id, null)),
            ("mediatrice.zh@prato.demo", "Lin Wei (mediatrice culturale)", new RoleView(StaffRole.Translator, immigration.Id, "zh")),
            ("approvazione@prato.demo", "Paolo Verdi (capo ufficio stampa)", new RoleView(StaffRole.Approver, null, null)),
        ];
        var accounts = new Dictionary<string, StaffUser>(StringComparer.Ordinal);
        foreach (var p in people)
        {
            var created = await staff.CreateAsync(new StaffUserInput(p.Email, p.Name, [p.Role]), ct);
            var user = await users.FindByIdAsync(created.User.Id.ToString());
            accounts[p.Email] = user!;
            var token = await users.GeneratePasswordResetTokenAsync(user!);
            var reset = await users.ResetPasswordAsync(user!, token, password);
            if (!reset.Succeeded)
            {
                throw new InvalidOperationException("Demo password rejected: " + string.Join(" ", reset.Errors.Select(e => e.Description)));
            }
        }

        var channelService = sp.GetRequiredService<ChannelService>();
        // WhatsPrato talks to the WhatsApp simulator on this server: the sandbox gives it a phone number ID, generated
        // tokens and the approved template "piazza_notiziario" for Italian and Chinese; the console's citizen phone
        // (/console/sandbox/phone) writes to it as a citizen would.
        var whatsapp = await channelService.CreateAsync(new ChannelInput(
            ChannelKind.WhatsApp, "WhatsPrato (sandbox)", IsSandbox: true, OfficeId: communication.Id,
            Settings: new Dictionary<string, string?>
            {
                [WhatsAppChannel.Templates] = "it: piazza_notiziario/it\nzh: piazza_notiziario/zh_CN",
            }), ct);
        // ViaRoma101, the immigration office's WeChat service account, publishes in Chinese and Italian: a bulletin cannot
        // go out on it without both, and each follower gets it in their language (one mass send per language tag). It
        // talks to the WeChat simulator on this server in safe mode; its followers come from the citizen phone
        // (/console/sandbox/phone), which can follow it by scanning a flyer's QR code.
        var wechat = await channelService.CreateAsync(new ChannelInput(
            ChannelKind.WeChat, "ViaRoma101 (sandbox)", IsSandbox: true, OfficeId: immigration.Id,
            Settings: new Dictionary<string, string?>
            {
                [BroadcastSettings.RequiredLanguages] = "zh,it",
                [WeChatChannel.AccountType] = WeChatChannel.Service,
                [WeChatChannel.AccountName] = "ViaRoma101",
                [WeChatChannel.AutoReplies] = "ORARI|营业时间|ORARIO: Ufficio Immigrazione, via Roma 101: lun-ven 9-13, mar e gio anche 15-17. / 移民办公室（罗马路101号）：周一至周五9-13点，周二、周四15-17点。\n"
                    + "INDIRIZZO|地址: Via Roma 101, Prato (autobus 2 e 3, fermata Macrolotto). / 普拉托罗马路101号（2路、3路公交车，Macrolotto站）。",
            }), ct);
        // The flyer handed out at the immigration office's desk, and the account's QR code for the public subscribe page
        // (the campaign "website"): their permanent QR codes, as the simulator would create them (the citizen phone can
        // "scan" them; the console offers them as PNG and SVG for print, the public site shows the second).
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            foreach (var (name, scene) in new[] { ("Volantino sportello via Roma 101", "sportello-via-roma"), (WeChatJoin.WebsiteCampaignName, FlyerCampaign.WebsiteScene) })
            {
                var ticket = "demo-" + Guid.NewGuid().ToString("N");
                db.FlyerCampaigns.Add(new FlyerCampaign
                {
                    Id = Guid.NewGuid(), OrganizationId = org.Id, ChannelId = wechat.Id, Name = name, Scene = scene,
                    Ticket = ticket, JoinUrl = WeChatSimulator.QrUrl(ticket), CreatedAt = time.GetUtcNow().UtcDateTime, CreatedBy = "demo",
                });
            }

            await db.SaveChangesAsync(ct);
        }

        // Telegram, as Prato uses it: a bot for personal subscriptions (/start, also from a flyer's deep link
        // https://t.me/PratoNotizieBot?start=t-<topic>_c-<campaign>), and one public channel per theme where a bot of the
        // city posts each bulletin of that theme once, for all its members. All three talk to the Telegram simulator on
        // this server; the citizen phone (/console/sandbox/phone) writes to the bot and reads the channels.
        var telegram = await channelService.CreateAsync(new ChannelInput(
            ChannelKind.Telegram, "Prato Notizie Telegram (sandbox)", IsSandbox: true, OfficeId: communication.Id,
            Settings: new Dictionary<string, string?>
            {
                [TelegramChannel.BotUsername] = "PratoNotizieBot",
            }), ct);
        await channelService.CreateAsync(new ChannelInput(
            ChannelKind.Telegram, "Prato Sport (sandbox)", IsSandbox: true, OfficeId: communication.Id,
            Settings: new Dictionary<string, string?>
            {
                [TelegramChannel.BotUsername] = "PratoSportBot",
                [TelegramChannel.ChannelUsername] = "@PratoSport",
                [ChannelTopics.Setting] = "sport",
            }), ct);
        await channelService.CreateAsync(new ChannelInput(
            ChannelKind.Telegram, "Prato Scuola (sandbox)", IsSandbox: true, OfficeId: schools.Id,
            Settings: new Dictionary<string, string?>
            {
                [TelegramChannel.BotUsername] = "PratoScuolaBot",
                [TelegramChannel.ChannelUsername] = "@PratoScuola",
                [ChannelTopics.Setting] = "scuole",
                [BroadcastSettings.Languages] = "it,zh", // school enrolment concerns Chinese families too: each post in both
            }), ct);
        // The city's page and its Mastodon account, as a real municipality would configure them (the sandbox sends to
        // Piazza's simulators whatever the instance's address).
        await channelService.CreateAsync(new ChannelInput(ChannelKind.Facebook, "Pagina Facebook (sandbox)", IsSandbox: true, OfficeId: communication.Id), ct);
        await channelService.CreateAsync(new ChannelInput(
            ChannelKind.Mastodon, "Mastodon (sandbox)", IsSandbox: true, OfficeId: communication.Id,
            Settings: new Dictionary<string, string?>
            {
                [MastodonChannel.BaseUrl] = "https://mastodon.uno",
                [MastodonChannel.Account] = "@comunediprato@mastodon.uno",
                [MastodonChannel.MaxCharacters] = "500",
                [MastodonChannel.Visibility] = "public",
            }), ct);
        var web = await channelService.CreateAsync(new ChannelInput(ChannelKind.Web, "Sito web comunale", IsSandbox: true, OfficeId: communication.Id), ct);

        // Each channel's published rules and privacy notice (version 1, in Italian and Chinese): consents record it and the
        // confirmations link to its public page. Flyers for the Telegram bot (sport, at the sports hall) and for WhatsPrato
        // (the Macrolotto market), whose links carry their code.
        await using (var p = ActorOverride.ForOrganization(services, org.Id, new DemoActor(accounts[AdminEmail])))
        {
            var policies = p.ServiceProvider.GetRequiredService<ChannelPolicyService>();
            await policies.PublishAsync(whatsapp.Id, new ChannelPolicyInput(DemoPolicies.WhatsApp, "Prima versione"), ct);
            await policies.PublishAsync(wechat.Id, new ChannelPolicyInput(DemoPolicies.WeChat, "Prima versione"), ct);
            await policies.PublishAsync(telegram.Id, new ChannelPolicyInput(DemoPolicies.Telegram, "Prima versione"), ct);
            var campaigns = p.ServiceProvider.GetRequiredService<FlyerCampaignService>();
            await campaigns.CreateAsync(telegram.Id, new FlyerCampaignInput("Locandina palazzetto dello sport", "palazzetto", topicIds[9]), ct);
            await campaigns.CreateAsync(whatsapp.Id, new FlyerCampaignInput("Volantino mercato del Macrolotto", "mercato-macrolotto"), ct);
        }

        var subscriberService = sp.GetRequiredService<SubscriberService>();
        var random = new Random(101);
        var sources = new[] { "Volantino QR via Roma 2026", "Sito web comunale", "Sportello anagrafe", "Festa di quartiere Macrolotto" };
        for (var i = 0; i < options.Value.Subscribers; i++)
        {
            var kind = (i % 3) switch { 0 => ChannelKind.WhatsApp, 1 => ChannelKind.WeChat, _ => ChannelKind.Telegram };
            var (channelId, address, languages, method, evidence) = kind switch
            {
                ChannelKind.WhatsApp => (whatsapp.Id, "+39333" + (1_000_000 + i).ToString(CultureInfo.InvariantCulture), new[] { "it" }, ConsentMethod.Keyword, "ATTIVA ISCRIZIONE"),
                ChannelKind.WeChat => (wechat.Id, "oDemo" + (100_000 + i).ToString(CultureInfo.InvariantCulture) + "ViaRoma101", new[] { "zh", "it" }, ConsentMethod.Follow, "subscribe event"),
                _ => (telegram.Id, (700_000_000 + i).ToString(CultureInfo.InvariantCulture), i % 2 == 0 ? new[] { "it" } : new[] { "zh", "it" }, ConsentMethod.Keyword, "/start"),
            };
            var followed = topicIds.Where(_ => random.Next(3) == 0).Take(4).ToList();
            if (followed.Count == 0)
            {
                followed.Add(topicIds[0]);
            }

            var sub = await subscriberService.CreateAsync(new SubscriberInput(
                channelId, address, "Cittadino demo " + (i + 1).ToString(CultureInfo.InvariantCulture), languages, followed, method,
                time.GetUtcNow().UtcDateTime.AddDays(-random.Next(1, 400)), evidence, null, sources[i % sources.Length]), ct);
            if (i % 11 == 5)
            {
                await subscriberService.UpdateAsync(sub.Id, new SubscriberUpdate(null, null, SubscriberStatus.Left), ct);
            }
        }

        await SeedBulletinsAsync(org.Id, topicIds, [whatsapp.Id, wechat.Id, telegram.Id], accounts["redazione@prato.demo"], accounts["mediatrice.zh@prato.demo"], ct);
        await SeedArchiveAsync(org.Id, topics.Select(t => t.Key).Zip(topicIds).ToDictionary(p => p.First, p => p.Second), web.Id, accounts["redazione@prato.demo"], accounts["approvazione@prato.demo"], ct);
        return new Result(org.Id, password, people.Select(p => (p.Email, p.Role.Role.ToString())).ToList());
    }

    /// <summary>Three bulletins at different steps, so each demo user finds work: a draft for the editor, a translation
    /// to review for the mediator, one waiting for the approver.</summary>
    private async Task SeedBulletinsAsync(Guid organizationId, List<Guid> topics, List<Guid> channels, StaffUser editor, StaffUser mediator, CancellationToken ct)
    {
        await using var s = ActorOverride.ForOrganization(services, organizationId, new DemoActor(editor));
        var posts = s.ServiceProvider.GetRequiredService<PostService>();
        await using var m = ActorOverride.ForOrganization(services, organizationId, new DemoActor(mediator));
        var translations = m.ServiceProvider.GetRequiredService<PostService>();
        // topics: 0 protezione-civile, 2 acqua, 4 farmacie-di-turno, 6 cultura-eventi
        await posts.CreateAsync(new BulletinInput(topics[4], PostPriority.Normal, PostAudience.TopicSubscribers, [channels[0], channels[2]], new Dictionary<string, BodyInput>
        {
            ["it"] = new("Farmacie di turno nel fine settimana", "Sabato e domenica sono aperte:\n\n- **Farmacia Comunale 3**, via Roma 101\n- **Farmacia Centrale**, piazza del Comune 4\n\nL'elenco completo è sul [sito del Comune](https://www.comune.prato.it)."),
        }), ct);

        var water = await posts.CreateAsync(new BulletinInput(topics[2], PostPriority.Urgent, PostAudience.TopicSubscribers, [channels[0], channels[1]], new Dictionary<string, BodyInput>
        {
            ["it"] = new("Interruzione dell'acqua in via Pistoiese", "Giovedì **dalle 8 alle 13** manca l'acqua in via Pistoiese (dal civico 200 al 400) per lavori alla rete.\n\nPrima dell'interruzione riempite qualche bottiglia."),
        }), ct);
        await posts.SubmitAsync(water.Id, ct);
        await translations.SaveBodyAsync(water.Id, "zh", new BodyInput("Pistoiese路停水通知", "周四**8点至13点**,Pistoiese路(200号至400号)因管网施工停水。\n\n停水前请储存一些饮用水。"), ct);

        var festival = await posts.CreateAsync(new BulletinInput(topics[6], PostPriority.Normal, PostAudience.TopicSubscribers, [channels[0], channels[1], channels[2]], new Dictionary<string, BodyInput>
        {
            ["it"] = new("Festa di quartiere al Macrolotto", "Sabato dalle 16 in piazza dell'Immaginario: musica, cucina italiana e cinese, giochi per bambini. Ingresso libero."),
        }), ct);
        await posts.SubmitAsync(festival.Id, ct);
        await translations.SaveBodyAsync(festival.Id, "zh", new BodyInput("Macrolotto街区节", "周六16点起在Immaginario广场:音乐、意大利和中国美食、儿童游戏。免费入场。"), ct);
        await translations.ReviewAsync(festival.Id, "zh", ct);
    }

    /// <summary>
    /// What the demo's website published before today, so that its public site (<c>/prato-demo/it</c>) has an archive: ten
    /// bulletins of the last weeks on the website channel, most in Italian and Chinese, one emergency still current
    /// (pinned at the top of the home until tomorrow evening) and one that is over. They are history — written as the
    /// engine leaves a sent bulletin (approved, released, its website delivery sent), dated in the past.
    /// </summary>
    private async Task SeedArchiveAsync(Guid organizationId, Dictionary<string, Guid> topics, Guid web, StaffUser editor, StaffUser approver, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var tomorrowEvening = now.Date.AddDays(1).AddHours(21);
        (string Topic, PostPriority Priority, TimeSpan Ago, DateTime? Expires, (string Title, string Text) It, (string Title, string Text)? Zh)[] archive =
        [
            ("allerta-meteo", PostPriority.Emergency, TimeSpan.FromHours(2), tomorrowEvening,
                ("Allerta arancione per rischio idrogeologico", "La Protezione civile regionale ha emesso un'**allerta arancione** per rischio idrogeologico e idraulico su Prato fino a domani sera.\n\n- Evitate i sottopassi e le zone vicine al Bisenzio e ai torrenti.\n- Non scendete in cantine e locali interrati.\n- Sono chiusi i parchi pubblici e i cimiteri.\n\nPer emergenze chiamate il **112**. Aggiornamenti su [protezionecivile.comune.prato.it](https://protezionecivile.comune.prato.it)."),
                ("橙色水文地质风险预警", "大区民防部门发布了普拉托**橙色预警**（水文地质和水力风险），有效期至明天晚上。\n\n- 请避开地下通道以及Bisenzio河和溪流附近区域。\n- 请勿进入地下室和地下空间。\n- 公园和墓地关闭。\n\n紧急情况请拨打**112**。")),
            ("allerta-meteo", PostPriority.Emergency, TimeSpan.FromDays(12), now.AddDays(-11),
                ("Allerta gialla per vento forte", "Fino alle 20 di oggi sono previste raffiche di vento fino a 80 km/h. Fissate vasi e oggetti sui balconi ed evitate i viali alberati."),
                ("强风黄色预警", "今天20点前预计有最高每小时80公里的阵风。请固定阳台上的花盆和物品，避开林荫道。")),
            ("acqua", PostPriority.Urgent, TimeSpan.FromDays(1), null,
                ("Acqua torbida a Galciana: si può usare, non bere fino a sera", "Per un guasto riparato stanotte l'acqua nella zona di **Galciana** può essere torbida. Fino alle 20 usatela per lavarvi ma non per bere o cucinare. Publiacqua distribuisce acqua in piazza Galciana dalle 10."),
                ("Galciana地区自来水浑浊：可使用，晚上前勿饮用", "由于昨晚已修复的故障，**Galciana**地区的自来水可能浑浊。20点前可用于洗漱，但请勿饮用或做饭。Publiacqua从10点起在Galciana广场分发饮用水。")),
            ("farmacie-di-turno", PostPriority.Normal, TimeSpan.FromDays(3), null,
                ("Farmacie di turno nel fine settimana", "Sabato e domenica sono aperte:\n\n- **Farmacia Comunale 3**, via Roma 101\n- **Farmacia Centrale**, piazza del Comune 4\n\nDi notte: Farmacia Comunale 1, viale Vittorio Veneto 16 (tel. [0574 123456](tel:+390574123456))."),
                ("周末值班药店", "周六和周日营业：\n\n- **市立第三药店**，罗马路101号\n- **中心药店**，市政广场4号\n\n夜间：市立第一药店，Vittorio Veneto大道16号（电话 [0574 123456](tel:+390574123456)）。")),
            ("scuole", PostPriority.Normal, TimeSpan.FromDays(5), null,
                ("Iscrizioni alle scuole dell'infanzia: dal 9 al 31 gennaio", "Le domande di iscrizione alle scuole dell'infanzia comunali per il prossimo anno si presentano **online dal 9 al 31 gennaio**. Chi non ha SPID può farsi aiutare allo sportello di via Roma 101 (anche in cinese, martedì e giovedì pomeriggio)."),
                ("幼儿园报名：1月9日至31日", "市立幼儿园下学年的报名申请于**1月9日至31日在线提交**。没有SPID的家长可以到罗马路101号窗口寻求帮助（周二和周四下午提供中文服务）。")),
            ("rifiuti", PostPriority.Normal, TimeSpan.FromDays(8), null,
                ("Nuovo calendario della raccolta porta a porta", "Da lunedì cambia il calendario della raccolta porta a porta nel Macrolotto Zero: l'organico passa al lunedì e al giovedì, la carta al mercoledì. Il calendario completo è sul sito di Alia."),
                ("上门垃圾收集新时间表", "从周一起，Macrolotto Zero区域的上门垃圾收集时间调整：厨余垃圾改为周一和周四，纸类改为周三。完整时间表见Alia网站。")),
            ("tributi", PostPriority.Normal, TimeSpan.FromDays(10), null,
                ("TARI: la seconda rata scade il 16 dicembre", "La seconda rata della tassa sui rifiuti (TARI) scade il **16 dicembre**. Il modello F24 è arrivato per posta; chi non lo trova può scaricarlo dallo sportello online del Comune."),
                null),
            ("cultura-eventi", PostPriority.Normal, TimeSpan.FromDays(14), null,
                ("Capodanno cinese in piazza del Duomo", "Domenica dalle 15 la comunità cinese e il Comune festeggiano il Capodanno lunare in piazza del Duomo: danza del drago, musica, laboratori di calligrafia per bambini. Ingresso libero."),
                ("大教堂广场庆祝中国新年", "周日15点起，华人社区与市政府在大教堂广场共同庆祝农历新年：舞龙、音乐、儿童书法工作坊。免费入场。")),
            ("traffico", PostPriority.Normal, TimeSpan.FromDays(16), null,
                ("Domenica la partita: divieti di sosta intorno allo stadio Lungobisenzio", "Per la partita di domenica alle 14.30 dalle 11 alle 19 c'è divieto di sosta in viale Piave e nelle vie intorno allo stadio. Le linee 2 e 5 cambiano percorso."),
                null),
            ("servizi-immigrazione", PostPriority.Normal, TimeSpan.FromDays(20), null,
                ("Permesso di soggiorno: lo sportello di via Roma 101 apre anche il sabato", "Per aiutare chi deve rinnovare il permesso di soggiorno, lo sportello dell'Ufficio Immigrazione in via Roma 101 apre anche il **sabato dalle 9 alle 12**, con una mediatrice che parla cinese. Portate passaporto, permesso in scadenza e codice fiscale."),
                ("居留许可：罗马路101号窗口周六也开放", "为帮助需要续签居留许可的人，罗马路101号移民办公室窗口**周六9点至12点**也开放，并有会说中文的调解员。请携带护照、即将到期的居留许可和税号。")),
        ];

        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Piazza.Tenancy.TenantContext>().Set(organizationId);
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        foreach (var (topic, priority, ago, expires, it, zh) in archive)
        {
            var published = now - ago;
            var created = published.AddHours(-3);
            var post = new Post
            {
                Id = Guid.NewGuid(), OrganizationId = organizationId, TopicId = topics[topic], Priority = priority, Audience = PostAudience.TopicSubscribers,
                State = PostState.Sent, AuthorId = editor.Id, AuthorName = editor.Email!, ApproverId = approver.Id, ScheduledFor = published, ReleasedAt = published,
                FinishedAt = published.AddSeconds(1), ExpiresAt = expires, CreatedAt = created, UpdatedAt = published,
            };
            post.Bodies.Add(new PostBody { OrganizationId = organizationId, PostId = post.Id, Language = "it", Title = it.Title, Markdown = it.Text, UpdatedAt = created });
            if (zh is { } chinese)
            {
                post.Bodies.Add(new PostBody
                {
                    OrganizationId = organizationId, PostId = post.Id, Language = "zh", Title = chinese.Title, Markdown = chinese.Text, UpdatedAt = created.AddHours(1),
                    ReviewedAt = created.AddHours(2),
                });
            }

            post.Channels.Add(new PostChannel { OrganizationId = organizationId, PostId = post.Id, ChannelId = web });
            (PostState From, PostState To, DateTime At, string By, string Note)[] steps =
            [
                (PostState.Draft, PostState.Draft, created, editor.Email!, "Created."),
                (PostState.Draft, PostState.InReview, created.AddHours(2), editor.Email!, "Every translation is reviewed: waiting for approval."),
                (PostState.InReview, PostState.Approved, published, approver.Email!, priority == PostPriority.Emergency
                    ? "Approved as an emergency: the monthly cap, service hours and quiet hours do not apply." : "Approved."),
                (PostState.Approved, PostState.Scheduled, published, approver.Email!, "To be sent now."),
                (PostState.Scheduled, PostState.Sending, published, "system", "Released: Sito web comunale: 1 subscribers."),
                (PostState.Sending, PostState.Sent, published.AddSeconds(1), "system", "1 sent, 0 failed, 0 skipped by the monthly cap, 0 cancelled."),
            ];
            post.History.AddRange(steps.Select(s => new PostStateChange { OrganizationId = organizationId, PostId = post.Id, From = s.From, To = s.To, At = s.At, ByName = s.By, Note = s.Note }));
            db.Posts.Add(post);
            db.Deliveries.Add(new Delivery
            {
                PostId = post.Id, ChannelId = web, SubscriberId = 0, Language = "it", Priority = priority, State = DeliveryState.Sent, DueAt = published,
                Attempts = 1, CreatedAt = published, SentAt = published, PlatformMessageId = "web-" + post.Id.ToString("N"),
            });
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>A demo user acting while the demo is created (the seeder may do everything; the workflow still
    /// records who wrote and who reviewed).</summary>
    private sealed class DemoActor(StaffUser user) : IActor
    {
        public ActorKind Kind => ActorKind.User;

        public string? Id => user.Id.ToString();

        public string Name => user.Email!;

        public string? RemoteIp => null;

        public Guid? UserId => user.Id;

        public bool HasScope(string scope) => true;
    }
}
