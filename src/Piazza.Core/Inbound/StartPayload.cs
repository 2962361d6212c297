using System.Text.RegularExpressions;

namespace Piazza.Inbound;

/// <summary>
/// The payload of a Telegram deep link (<c>https://t.me/&lt;bot&gt;?start=&lt;payload&gt;</c>, sent back by the app as
/// <c>/start &lt;payload&gt;</c>): at most 64 of <c>A-Za-z0-9_-</c>. Piazza's format is
/// <c>t-&lt;topicKey&gt;</c>, <c>c-&lt;campaign&gt;</c> or both as <c>t-&lt;topicKey&gt;_c-&lt;campaign&gt;</c>
/// (e.g. <c>t-acqua_c-flyer1</c>): the person subscribes to that topic only (all topics without one), and the campaign
/// (a flyer's scene) becomes the subscriber's source "flyer:&lt;campaign&gt;". A topic key has no "_" (keys are
/// <c>[a-z][a-z0-9-]</c>), so the first "_" ends it; the campaign comes last and may contain "_".
/// </summary>
public static partial class StartPayload
{
    /// <summary>The most Telegram carries in a deep link's start parameter.</summary>
    public const int MaxLength = 64;

    /// <summary>The payload for a topic and/or a campaign, or null when the result would not fit a deep link.</summary>
    public static string? Format(string? topicKey, string? campaign)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(topicKey))
        {
            if (!TopicRegex().IsMatch(topicKey))
            {
                return null;
            }

            parts.Add("t-" + topicKey);
        }

        if (!string.IsNullOrEmpty(campaign))
        {
            if (!CampaignRegex().IsMatch(campaign))
            {
                return null;
            }

            parts.Add("c-" + campaign);
        }

        var payload = string.Join('_', parts);
        return payload.Length is > 0 and <= MaxLength ? payload : null;
    }

    /// <summary>The topic key and campaign a payload names, or null when it is not in Piazza's format.</summary>
    public static (string? TopicKey, string? Campaign)? Parse(string? payload)
    {
        if (string.IsNullOrEmpty(payload) || payload.Length > MaxLength || !PayloadRegex().IsMatch(payload))
        {
            return null;
        }

        string? topic = null;
        var rest = payload;
        if (rest.StartsWith("t-", StringComparison.Ordinal))
        {
            var end = rest.IndexOf('_', StringComparison.Ordinal);
            topic = end < 0 ? rest[2..] : rest[2..end];
            rest = end < 0 ? string.Empty : rest[(end + 1)..];
            if (!TopicRegex().IsMatch(topic))
            {
                return null;
            }
        }

        string? campaign = null;
        if (rest.Length > 0)
        {
            if (!rest.StartsWith("c-", StringComparison.Ordinal) || !CampaignRegex().IsMatch(rest[2..]))
            {
                return null;
            }

            campaign = rest[2..];
        }

        return topic is null && campaign is null ? null : (topic, campaign);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex PayloadRegex();

    [GeneratedRegex("^[a-z][a-z0-9-]{1,59}$")]
    private static partial Regex TopicRegex();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,62}$")]
    private static partial Regex CampaignRegex();
}
