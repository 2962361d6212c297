using Piazza.Inbound;

namespace Piazza.Channels.Telegram;

/// <summary>
/// Deep links that open the bot and send <c>/start &lt;payload&gt;</c>: <c>https://t.me/&lt;bot&gt;?start=&lt;payload&gt;</c>,
/// the payload in <see cref="StartPayload"/>'s format (<c>t-&lt;topicKey&gt;_c-&lt;campaign&gt;</c>). Printed on a flyer
/// (as a QR code) they subscribe the person to that topic and record the flyer as where they came from.
/// </summary>
public static class TelegramDeepLink
{
    /// <summary>The link for a bot, a topic and/or a campaign; null when the payload would not fit (64 characters).</summary>
    public static string? Build(string botUsername, string? topicKey, string? campaign) =>
        StartPayload.Format(topicKey, campaign) is { } payload
            ? $"https://t.me/{Uri.EscapeDataString(botUsername.TrimStart('@'))}?start={payload}"
            : null;

    /// <summary>The bot, topic key and campaign of a link built by <see cref="Build"/>; null for another link.</summary>
    public static (string Bot, string? TopicKey, string? Campaign)? Parse(string? link)
    {
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps
            || !(uri.Host.Equals("t.me", StringComparison.OrdinalIgnoreCase) || uri.Host.Equals("telegram.me", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var bot = uri.AbsolutePath.Trim('/');
        if (bot.Length == 0 || bot.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (pair.StartsWith("start=", StringComparison.Ordinal) && StartPayload.Parse(pair["start=".Length..]) is { } parsed)
            {
                return (bot, parsed.TopicKey, parsed.Campaign);
            }
        }

        return null;
    }
}
