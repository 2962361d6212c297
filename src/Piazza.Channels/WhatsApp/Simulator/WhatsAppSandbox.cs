using System.Globalization;
using System.Security.Cryptography;

namespace Piazza.Channels.WhatsApp.Simulator;

/// <summary>Settings of Piazza's WhatsApp simulator (section "Sandbox:WhatsApp").</summary>
public sealed class WhatsAppSimulatorOptions
{
    public const string Section = "Sandbox:WhatsApp";

    /// <summary>Between the send and "sent", "sent" and "delivered", "delivered" and "read".</summary>
    public TimeSpan StatusDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Conversations kept in memory (the least recently active go first).</summary>
    public int MaxConversations { get; set; } = 1000;

    /// <summary>Messages kept per conversation (the oldest go first).</summary>
    public int MaxMessagesPerConversation { get; set; } = 100;

    /// <summary>Status callbacks waiting to be posted; beyond this the simulator drops them (and says so in the log)
    /// rather than slow down the sends.</summary>
    public int CallbackQueue { get; set; } = 20_000;
}

/// <summary>What a sandbox WhatsApp channel gets when it is created: a phone number ID, a business account ID, a public
/// phone number (+1 555…, like Meta's test numbers),
/// the bulletin template for each of the organization's languages (which the simulator treats as approved by Meta)
/// and generated access token, app secret and verify token (encrypted like every secret).</summary>
public static class WhatsAppSandbox
{
    /// <summary>The template name sandbox channels get, with the body "{{1}}" title, "{{2}}" text.</summary>
    public const string TemplateName = "piazza_notiziario";

    /// <summary>The defaults of a sandbox channel of an organization that publishes in <paramref name="languages"/>.</summary>
    public static SandboxDefaults Defaults(IReadOnlyList<string> languages)
    {
        var templates = string.Join("\n", languages.Select(l => $"{l}: {TemplateName}/{MetaLanguageCode(l)}"));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WhatsAppChannel.PhoneNumberId] = Digits(15),
            [WhatsAppChannel.BusinessAccountId] = Digits(15),
            // Meta's test numbers are +1 555 numbers: one that no real person has.
            [WhatsAppChannel.PhoneNumber] = "+1555" + RandomNumberGenerator.GetInt32(10_000_000).ToString("D7", CultureInfo.InvariantCulture),
        };
        if (templates.Length > 0)
        {
            settings[WhatsAppChannel.Templates] = templates;
        }

        return new SandboxDefaults(settings, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WhatsAppChannel.AccessToken] = "EAAsandbox" + RandomNumberGenerator.GetHexString(48, lowercase: true),
            [WhatsAppChannel.AppSecret] = RandomNumberGenerator.GetHexString(32, lowercase: true),
            [WhatsAppChannel.VerifyToken] = RandomNumberGenerator.GetHexString(24, lowercase: true),
        });
    }

    /// <summary>Meta's code of a language tag: "zh" → "zh_CN", "pt-BR" → "pt_BR", "it" → "it".</summary>
    public static string MetaLanguageCode(string tag) => tag switch
    {
        "zh" or "zh-Hans" => "zh_CN",
        "zh-Hant" => "zh_TW",
        "en" => "en_US",
        _ => tag.Replace('-', '_'),
    };

    private static string Digits(int count) =>
        "1" + string.Concat(Enumerable.Range(1, count - 1).Select(_ => RandomNumberGenerator.GetInt32(10).ToString(CultureInfo.InvariantCulture)));
}
