using Piazza.Inbound;

namespace Piazza.Channels.WhatsApp;

/// <summary>
/// Joining a WhatsApp channel, as WhatsEmpoli's citizens do: save the number and send the subscribe keyword. The join link
/// opens a chat with the number with the keyword already written, <c>https://wa.me/&lt;digits&gt;?text=&lt;keyword&gt;</c>;
/// a flyer's link adds its code after the keyword (<c>ATTIVA ISCRIZIONE c-mercato</c>, or <c>t-acqua_c-mercato</c> with a
/// topic, in <see cref="StartPayload"/>'s format), which <see cref="Keywords.Match"/> reads back as the subscribe keyword
/// with that payload, so the subscriber's source becomes the flyer.
/// </summary>
public static class WhatsAppJoin
{
    public const string NoNumberProblem = "Set the channel's public phone number first: the flyers' QR codes open a chat with it.";

    public static ChannelJoin For(JoinRequest request)
    {
        var settings = request.Settings;
        var number = settings.GetValueOrDefault(WhatsAppChannel.PhoneNumber);
        var keyword = Keywords.Display(settings, InboundSettings.SubscribeKeywords, request.Language, request.OrganizationLanguages);
        var leave = Keywords.Display(settings, InboundSettings.UnsubscribeKeywords, request.Language, request.OrganizationLanguages);
        var text = keyword;
        if (request.TopicKey is not null || request.Campaign is not null)
        {
            var payload = StartPayload.Format(request.TopicKey, request.Campaign);
            if (payload is null)
            {
                return new ChannelJoin(JoinKind.SendKeyword, null, number, keyword, leave);
            }

            text = keyword + " " + payload;
        }

        return new ChannelJoin(JoinKind.SendKeyword, Link(number, text), number, text, leave);
    }

    /// <summary>The wa.me link that opens a chat with <paramref name="number"/> (E.164) with <paramref name="text"/> written;
    /// null without a valid number.</summary>
    public static string? Link(string? number, string text) =>
        Common.Rules.IsE164(number) ? $"https://wa.me/{number![1..]}?text={Uri.EscapeDataString(text)}" : null;

    /// <summary>A flyer's link needs the number.</summary>
    public static string? CampaignProblem(IReadOnlyDictionary<string, string> settings) =>
        Common.Rules.IsE164(settings.GetValueOrDefault(WhatsAppChannel.PhoneNumber)) ? null : NoNumberProblem;
}
