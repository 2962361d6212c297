using System.Globalization;
using System.Security.Cryptography;

namespace Piazza.Channels.Telegram.Simulator;

/// <summary>What a sandbox Telegram channel gets when it is created: a bot username and, encrypted like every secret, a
/// bot token shaped like @BotFather's ("123456789:AA…") and a webhook secret token. The simulator finds the channel by
/// its bot token.</summary>
public static class TelegramSandbox
{
    public static SandboxDefaults Defaults(IReadOnlyList<string> languages)
    {
        var botId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        return new SandboxDefaults(
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [TelegramChannel.BotUsername] = "PiazzaSandbox" + botId[..6] + "Bot",
            },
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [TelegramChannel.BotToken] = botId + ":AA" + Token(33),
                [TelegramChannel.WebhookSecret] = Token(48),
            });
    }

    /// <summary>The bot's id: the part of its token before the colon.</summary>
    public static string? BotIdOf(string? token) =>
        token?.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? token[..colon] : null;

    private static string Token(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", length);
}
