using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Piazza.Broadcast;
using Piazza.Data;
using Piazza.Subscribers;
using Piazza.WeChat;

namespace Piazza.Channels.WeChat;

/// <summary>
/// Keeps the WeChat tags of an account in step with Piazza's subscribers. Each (topic, language group) pair has its tag
/// ("*" as topic: every follower, for bulletins to everyone): a follower is in the tags of the topics they follow, in
/// their language group. Tags are created through <c>tags/create</c> when first needed (found again by name if WeChat
/// already has them); members are added and removed through <c>tags/members/batchtagging</c> and
/// <c>batchuntagging</c>, 50 at a time, comparing what Piazza wants with what it has put there
/// (<see cref="WeChatTagMember"/>). A mass send first brings its tag up to date.
/// </summary>
public sealed class WeChatTagSync(IServiceScopeFactory scopes, WeChatApi api, SqliteWriteGate gate, TimeProvider time, ILogger<WeChatTagSync> logger)
{
    /// <summary>WeChat's limit of tags per account.</summary>
    public const int MaxTags = 100;

    /// <summary>Piazza's name of a group: topic key (or "*") and language group (a language, or "*").</summary>
    public static string KeyOf(string? topicKey, string group) => $"{topicKey ?? "*"}:{group}";

    /// <summary>The tag's name on WeChat: "Piazza {topic} {group}", at most 30 characters (a short hash keeps long names unique).</summary>
    public static string NameOf(string key)
    {
        var name = "Piazza " + key.Replace(':', ' ');
        if (name.Length <= 30)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..6];
        return name[..23] + "~" + hash;
    }

    /// <summary>The language group of a follower: their first language among the groups, else the first group.</summary>
    public static string GroupOf(string languages, IReadOnlyList<string> groups)
    {
        if (groups.Count == 1 && groups[0] == "*")
        {
            return "*";
        }

        foreach (var language in languages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (groups.Contains(language, StringComparer.Ordinal))
            {
                return language;
            }
        }

        return groups.Count > 0 ? groups[0] : "*";
    }

    /// <summary>Creates the tag of (topic, group) if needed and brings its members up to date; returns WeChat's tag id
    /// and how many followers it holds.</summary>
    public async Task<(int TagId, int Members)> SyncAsync(ChannelAccount channel, string? topicKey, string group, IReadOnlyList<string> groups, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var tagId = await EnsureTagAsync(db, channel, KeyOf(topicKey, group), ct);

        // Who should be in it.
        var followers = db.Subscribers.IgnoreQueryFilters().AsNoTracking()
            .Where(s => s.ChannelId == channel.Id && s.OrganizationId == channel.OrganizationId && s.Status == SubscriberStatus.Active);
        if (topicKey is not null)
        {
            var topicId = await db.Topics.IgnoreQueryFilters().Where(t => t.OrganizationId == channel.OrganizationId && t.Key == topicKey).Select(t => (Guid?)t.Id).FirstOrDefaultAsync(ct);
            followers = followers.Where(s => s.Topics.Any(t => t.TopicId == topicId));
        }

        var wanted = (await followers.Select(s => new { s.Id, s.Address, s.Languages }).ToListAsync(ct))
            .Where(s => GroupOf(s.Languages, groups) == group).ToDictionary(s => s.Id, s => s.Address);
        var present = (await db.WeChatTagMembers.Where(m => m.ChannelId == channel.Id && m.TagId == tagId).Select(m => m.SubscriberId).ToListAsync(ct)).ToHashSet();

        var add = wanted.Where(w => !present.Contains(w.Key)).ToList();
        var remove = present.Where(p => !wanted.ContainsKey(p)).ToList();
        if (add.Count > 0)
        {
            var added = await ApplyAsync(channel, tagId, add, true, ct);
            await WriteAsync(db, async () =>
            {
                db.WeChatTagMembers.AddRange(added.Select(id => new WeChatTagMember { ChannelId = channel.Id, TagId = tagId, SubscriberId = id }));
                await db.SaveChangesAsync(ct);
            }, ct);
            db.ChangeTracker.Clear();
        }

        if (remove.Count > 0)
        {
            // Followers who left need no call (WeChat no longer sends them anything); the others are untagged.
            var active = await db.Subscribers.IgnoreQueryFilters().AsNoTracking()
                .Where(s => remove.Contains(s.Id) && s.Status == SubscriberStatus.Active).Select(s => new { s.Id, s.Address }).ToListAsync(ct);
            var untagged = (await ApplyAsync(channel, tagId, active.Select(a => new KeyValuePair<long, string>(a.Id, a.Address)).ToList(), false, ct)).ToHashSet();
            var gone = remove.Where(id => untagged.Contains(id) || active.All(a => a.Id != id)).ToList();
            await WriteAsync(db, () => db.WeChatTagMembers.Where(m => m.ChannelId == channel.Id && m.TagId == tagId && gone.Contains(m.SubscriberId)).ExecuteDeleteAsync(ct), ct);
        }

        if (add.Count + remove.Count > 0)
        {
            logger.LogInformation("WeChat channel {Channel}: tag {Tag} ({Key}) synchronised, {Added} added, {Removed} removed",
                channel.Id, tagId, KeyOf(topicKey, group), add.Count, remove.Count);
        }

        return (tagId, await db.WeChatTagMembers.CountAsync(m => m.ChannelId == channel.Id && m.TagId == tagId, ct));
    }

    /// <summary>Forgets every tag Piazza recorded for the account (WeChat said one no longer exists): they are found
    /// again by name or created at the next synchronisation, and their members tagged again.</summary>
    public async Task ForgetTagsAsync(Guid channelId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        await WriteAsync(db, async () =>
        {
            await db.WeChatTagMembers.Where(m => m.ChannelId == channelId).ExecuteDeleteAsync(ct);
            await db.WeChatTags.Where(t => t.ChannelId == channelId).ExecuteDeleteAsync(ct);
        }, ct);
        logger.LogWarning("WeChat channel {Channel}: WeChat no longer knows a tag; the tags will be created and filled again", channelId);
    }

    /// <summary>The tag's id: from Piazza's records, else found on WeChat by its name, else created.</summary>
    private async Task<int> EnsureTagAsync(PiazzaDb db, ChannelAccount channel, string key, CancellationToken ct)
    {
        var known = await db.WeChatTags.AsNoTracking().Where(t => t.ChannelId == channel.Id && t.Key == key).Select(t => (int?)t.TagId).FirstOrDefaultAsync(ct);
        if (known is { } id)
        {
            return id;
        }

        var name = NameOf(key);
        int tagId;
        try
        {
            tagId = await api.CreateTagAsync(channel, name, ct);
        }
        catch (WeChatException e) when (e.Code == 45157)
        {
            // The name exists on WeChat (created by an earlier attempt, or another node): use that tag.
            tagId = (await api.TagsAsync(channel, ct)).Where(t => t.Name == name).Select(t => (int?)t.Id).FirstOrDefault()
                ?? throw new WeChatException(45157, $"The tag \"{name}\" exists on WeChat but could not be found.");
        }

        try
        {
            await WriteAsync(db, async () =>
            {
                db.WeChatTags.Add(new WeChatTag { ChannelId = channel.Id, Key = key, TagId = tagId, Name = name, CreatedAt = time.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync(ct);
            }, ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear(); // another node recorded it first
        }

        return tagId;
    }

    /// <summary>Tags or untags followers 50 at a time; a batch WeChat refuses (a follower with 20 tags already, one who
    /// unfollowed meanwhile) is done one by one, skipping those it refuses. Returns the subscribers done.</summary>
    private async Task<List<long>> ApplyAsync(ChannelAccount channel, int tagId, IReadOnlyList<KeyValuePair<long, string>> followers, bool add, CancellationToken ct)
    {
        var done = new List<long>();
        foreach (var batch in followers.Chunk(WeChatApi.TaggingBatch))
        {
            try
            {
                await api.TagAsync(channel, tagId, batch.Select(b => b.Value).ToList(), add, ct);
                done.AddRange(batch.Select(b => b.Key));
            }
            catch (WeChatException e) when (e.Code is 45059 or 40003 or 46004 or 49003)
            {
                foreach (var one in batch)
                {
                    try
                    {
                        await api.TagAsync(channel, tagId, [one.Value], add, ct);
                        done.Add(one.Key);
                    }
                    catch (WeChatException single) when (single.Code is 45059 or 40003 or 46004 or 49003)
                    {
                        logger.LogWarning("WeChat channel {Channel}: subscriber {Subscriber} could not be {Action} tag {Tag}: {Code} {Message}",
                            channel.Id, one.Key, add ? "added to" : "removed from", tagId, single.Code, single.WeChatMessage);
                    }
                }
            }
        }

        return done;
    }

    private async Task WriteAsync(PiazzaDb db, Func<Task> write, CancellationToken ct)
    {
        using var entered = await gate.EnterAsync(!db.Database.IsNpgsql(), ct);
        await write();
    }
}
