using Piazza.Data;
using Piazza.Posts;

namespace Piazza.Channels;

/// <summary>What a platform's own sending quota allows for one bulletin on one channel.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="Lines">What is used and what the bulletin needs: English formats (translated through the resource files) and their arguments.</param>
/// <param name="Exceeded">True when sending the bulletin would go beyond the quota: a routine bulletin is then refused,
/// an emergency is approved with a warning.</param>
public sealed record QuotaCheck(Guid ChannelId, IReadOnlyList<QuotaLine> Lines, bool Exceeded)
{
    /// <summary>The lines in English.</summary>
    public string Summary => string.Join(" ", Lines.Select(l => l.ToString()));
}

/// <summary>One sentence of a quota check: a composite format (English) and its arguments.</summary>
/// <param name="Format">The sentence in English with placeholders {0}, {1}… (the key of its translation).</param>
/// <param name="Args">The values of the placeholders, in order.</param>
public sealed record QuotaLine(string Format, params object[] Args)
{
    public override string ToString() => string.Format(System.Globalization.CultureInfo.InvariantCulture, Format, Args);
}

/// <summary>A platform whose accounts may send only so much (WeChat: a subscription account one mass send a day, a
/// service account four a month per follower). Its folder in Piazza.Channels provides one; the bulletin's page shows
/// the check before approval.</summary>
public interface IChannelQuota
{
    ChannelKind Kind { get; }

    /// <summary>The check for <paramref name="post"/> on <paramref name="channel"/> (in the current organization's database context).</summary>
    Task<QuotaCheck> CheckAsync(PiazzaDb db, Channel channel, Post post, CancellationToken ct);
}
