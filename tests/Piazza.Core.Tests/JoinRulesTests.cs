using Piazza.Campaigns;
using Piazza.Channels;
using Piazza.Channels.Facebook;
using Piazza.Channels.Mastodon;
using Piazza.Channels.Telegram;
using Piazza.Channels.WeChat;
using Piazza.Channels.WhatsApp;
using Piazza.Channels.X;
using Piazza.Inbound;
using Xunit;

namespace Piazza.Core.Tests;

/// <summary>
/// How citizens join each platform (the join link a QR code encodes, what to save or send), and the WhatsApp flyer's
/// text read back: the subscribe keyword followed by a flyer's code is a subscription with that code as its payload.
/// </summary>
public sealed class JoinRulesTests
{
    private static readonly IReadOnlyDictionary<string, string> NoSettings = new Dictionary<string, string>();
    private static readonly string[] ItZh = ["it", "zh"];

    [Theory]
    [InlineData("ATTIVA ISCRIZIONE c-mercato", "it", "c-mercato")]
    [InlineData("attiva   iscrizione c-Mercato_2026", "it", "c-Mercato_2026")]
    [InlineData("ＡＴＴＩＶＡ　ＩＳＣＲＩＺＩＯＮＥ　ｃ－ｍｅｒｃａｔｏ", "it", "c-mercato")]
    [InlineData("ATTIVA ISCRIZIONE t-acqua_c-mercato!", "it", "t-acqua_c-mercato")]
    [InlineData("订阅 c-mercato", "zh", "c-mercato")]
    [InlineData("START t-sport", "en", "t-sport")]
    public void The_subscribe_keyword_followed_by_a_flyers_code_subscribes_with_the_code_as_payload(string text, string language, string payload)
    {
        var match = Keywords.Match(text, NoSettings);
        Assert.Equal(InboundKind.Subscribe, match.Kind);
        Assert.Equal(language, match.Language);
        Assert.Equal(payload, match.Payload);
        Assert.NotNull(StartPayload.Parse(match.Payload));
    }

    [Theory]
    [InlineData("ATTIVA ISCRIZIONE per favore")]          // not a code
    [InlineData("ATTIVA ISCRIZIONE c-")]                  // an empty campaign
    [InlineData("DISATTIVA ISCRIZIONE c-mercato")]        // only the subscribe keyword takes a code
    [InlineData("TEMI c-mercato")]
    [InlineData("VORREI ATTIVA ISCRIZIONE c-mercato")]    // the rest is not the keyword
    [InlineData("c-mercato")]
    public void Other_texts_with_a_code_are_not_subscriptions(string text)
    {
        var match = Keywords.Match(text, NoSettings);
        Assert.NotEqual(InboundKind.Subscribe, match.Kind);
        Assert.Null(match.Payload);
    }

    [Fact]
    public void The_keyword_alone_still_subscribes_without_a_payload_and_a_channels_own_keywords_take_codes_too()
    {
        var plain = Keywords.Match("ATTIVA ISCRIZIONE", NoSettings);
        Assert.Equal((InboundKind.Subscribe, "it", (string?)null), (plain.Kind, plain.Language, plain.Payload));
        var settings = new Dictionary<string, string> { [InboundSettings.SubscribeKeywords] = "it: ISCRIVIMI|NOTIZIE SI" };
        var custom = Keywords.Match("notizie si c-biblioteca", settings);
        Assert.Equal((InboundKind.Subscribe, "c-biblioteca"), (custom.Kind, custom.Payload));
        Assert.Equal(InboundKind.Other, Keywords.Match("ATTIVA ISCRIZIONE c-biblioteca", settings).Kind);
    }

    [Fact]
    public void WhatsApp_joins_by_a_wa_me_link_with_the_keyword_of_the_language_written_and_a_flyer_adds_its_code()
    {
        var settings = new Dictionary<string, string> { [WhatsAppChannel.PhoneNumber] = "+390574183600" };
        var it = WhatsAppJoin.For(new JoinRequest(settings, "it", ItZh));
        Assert.Equal(JoinKind.SendKeyword, it.Kind);
        Assert.Equal("https://wa.me/390574183600?text=ATTIVA%20ISCRIZIONE", it.Link);
        Assert.Equal(("+390574183600", "ATTIVA ISCRIZIONE", "DISATTIVA ISCRIZIONE"), (it.Handle, it.Keyword, it.LeaveKeyword));
        Assert.Equal("https://wa.me/390574183600?text=%E8%AE%A2%E9%98%85", WhatsAppJoin.For(new JoinRequest(settings, "zh", ItZh)).Link);

        var flyer = WhatsAppJoin.For(new JoinRequest(settings, "it", ItZh, "acqua", "mercato"));
        Assert.Equal("https://wa.me/390574183600?text=ATTIVA%20ISCRIZIONE%20t-acqua_c-mercato", flyer.Link);
        Assert.Equal("ATTIVA ISCRIZIONE t-acqua_c-mercato", flyer.Keyword);
        // What the link writes is read back as the subscription from that flyer.
        var link = flyer.Link!;
        var sent = Uri.UnescapeDataString(link[(link.IndexOf("text=", StringComparison.Ordinal) + 5)..]);
        var match = Keywords.Match(sent, settings);
        Assert.Equal((InboundKind.Subscribe, "t-acqua_c-mercato"), (match.Kind, match.Payload));
        Assert.Equal(("acqua", "mercato"), StartPayload.Parse(match.Payload));

        // No number, no link (and no campaigns); a code too long for a start parameter, no link.
        Assert.Null(WhatsAppJoin.For(new JoinRequest(NoSettings, "it", ItZh)).Link);
        Assert.Equal(WhatsAppJoin.NoNumberProblem, WhatsAppJoin.CampaignProblem(NoSettings));
        Assert.Null(WhatsAppJoin.CampaignProblem(settings));
        Assert.Null(WhatsAppJoin.For(new JoinRequest(settings, "it", ItZh, null, new string('x', 63))).Link);
    }

    [Fact]
    public void Telegram_joins_a_bot_by_its_link_or_a_flyers_deep_link_and_a_public_channel_by_its_own()
    {
        var bot = new Dictionary<string, string> { [TelegramChannel.BotUsername] = "@ComunePratoBot" };
        var plain = TelegramJoin.For(new JoinRequest(bot, "it", ItZh));
        Assert.Equal((JoinKind.StartBot, "https://t.me/ComunePratoBot?start=c-website", "@ComunePratoBot", "/start", "/stop"), (plain.Kind, plain.Link, plain.Handle, plain.Keyword, plain.LeaveKeyword));
        Assert.Equal("https://t.me/ComunePratoBot?start=c-palazzetto", TelegramJoin.For(new JoinRequest(bot, "zh", ItZh, null, "palazzetto")).Link);
        Assert.Equal("https://t.me/ComunePratoBot?start=t-sport_c-palazzetto", TelegramJoin.For(new JoinRequest(bot, "it", ItZh, "sport", "palazzetto")).Link);
        Assert.Null(TelegramJoin.CampaignProblem(bot));

        var channel = new Dictionary<string, string>(bot) { [TelegramChannel.ChannelUsername] = "@PratoSport" };
        var join = TelegramJoin.For(new JoinRequest(channel, "it", ItZh));
        Assert.Equal((JoinKind.JoinChannel, "https://t.me/PratoSport", "@PratoSport"), (join.Kind, join.Link, join.Handle));
        Assert.Equal(TelegramJoin.PublicChannelProblem, TelegramJoin.CampaignProblem(channel));
        Assert.Equal(TelegramJoin.NoBotProblem, TelegramJoin.CampaignProblem(NoSettings));
    }

    [Fact]
    public void WeChat_shows_its_ID_and_the_QR_code_WeChat_made_for_the_campaign_and_the_profiles_their_addresses()
    {
        var settings = new Dictionary<string, string> { [WeChatChannel.AccountName] = "ViaRoma101" };
        var join = WeChatJoin.For(new JoinRequest(settings, "zh", ItZh, null, FlyerCampaign.WebsiteScene, "http://weixin.qq.com/q/02abc"));
        Assert.Equal((JoinKind.FollowAccount, "http://weixin.qq.com/q/02abc", "ViaRoma101"), (join.Kind, join.Link, join.Handle));
        Assert.Null(WeChatJoin.For(new JoinRequest(NoSettings, "it", ItZh)).Link);
        Assert.Null(WeChatChannel.Definition.CampaignProblem(NoSettings));

        Assert.Equal("https://x.com/ComuneDiPrato", XChannel.Definition.Join!(new JoinRequest(new Dictionary<string, string> { [XChannel.Username] = "@ComuneDiPrato" }, "it", ItZh)).Link);
        Assert.Equal("https://mastodon.uno/@comune", MastodonChannel.ProfileUrl(new Dictionary<string, string> { [MastodonChannel.Account] = "@comune@mastodon.uno" }));
        Assert.Equal("https://social.example:8443/@prato", MastodonChannel.ProfileUrl(new Dictionary<string, string> { [MastodonChannel.Account] = "prato", [MastodonChannel.BaseUrl] = "https://social.example:8443" }));
        Assert.Null(MastodonChannel.ProfileUrl(new Dictionary<string, string> { [MastodonChannel.Account] = "@a@b@c" }));
        Assert.Equal("https://www.facebook.com/comunediprato",
            FacebookChannel.Definition.Join!(new JoinRequest(new Dictionary<string, string> { [FacebookChannel.PageUrl] = "https://www.facebook.com/comunediprato" }, "it", ItZh)).Link);
        Assert.NotNull(FacebookChannel.Definition.CampaignProblem(NoSettings));
        Assert.Null(Piazza.Channels.Web.WebChannel.Definition.Join);
    }

    [Fact]
    public void A_sandbox_WhatsApp_channel_gets_a_public_number_no_real_person_has_and_a_wrong_number_is_refused()
    {
        var number = Piazza.Channels.WhatsApp.Simulator.WhatsAppSandbox.Defaults(ItZh).Settings[WhatsAppChannel.PhoneNumber];
        Assert.Matches("^\\+1555[0-9]{7}$", number);
        Assert.True(Piazza.Common.Rules.IsE164(number));
        Assert.Contains(("settings.phoneNumber", WhatsAppChannel.PhoneNumberProblem),
            WhatsAppChannel.Definition.Problems(new Dictionary<string, string> { [WhatsAppChannel.PhoneNumber] = "0574 1836" }, NoSettings));
        Assert.Empty(WhatsAppChannel.Definition.Problems(new Dictionary<string, string> { [WhatsAppChannel.PhoneNumber] = number }, NoSettings));
    }
}
