using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Common;

namespace Piazza.Topics;

/// <summary>A topic as shown by the console and the API.</summary>
/// <param name="Id">The topic's id.</param>
/// <param name="Key">A short stable identifier, lowercase letters, digits and dashes (e.g. "civil-protection").</param>
/// <param name="OfficeId">The office responsible for it, if any.</param>
/// <param name="IsActive">Whether citizens can subscribe to it.</param>
/// <param name="Names">Its name in each language, by BCP 47 tag (e.g. {"it": "Protezione civile", "zh": "民防"}).</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
public sealed record TopicView(Guid Id, string Key, Guid? OfficeId, bool IsActive, IReadOnlyDictionary<string, string> Names, DateTime CreatedAt)
{
    public static TopicView From(Topic t) => new(
        t.Id, t.Key, t.OfficeId, t.IsActive,
        t.Names.OrderBy(n => n.Language, StringComparer.Ordinal).ToDictionary(n => n.Language, n => n.Name, StringComparer.Ordinal),
        t.CreatedAt);

    public string NameIn(string language) =>
        Names.TryGetValue(language, out var n) ? n : Names.TryGetValue("it", out var it) ? it : Names.Values.FirstOrDefault() ?? Key;
}

/// <summary>The fields of a topic that can be set.</summary>
/// <param name="Key">Required: 2–60 lowercase letters, digits or dashes, starting with a letter; unique in the organization.</param>
/// <param name="Names">Required: a name per language of the organization (language tag → name, at most 120 characters). At least the first language's name.</param>
/// <param name="OfficeId">Optional responsible office.</param>
/// <param name="IsActive">Whether citizens can subscribe (default true).</param>
public sealed record TopicInput(string? Key, IReadOnlyDictionary<string, string?>? Names, Guid? OfficeId = null, bool IsActive = true);

public sealed class TopicService(ServiceContext ctx)
{
    public async Task<IReadOnlyList<TopicView>> ListAsync(CancellationToken ct)
    {
        ctx.Require(Scopes.TopicsRead);
        var topics = await ctx.Db.Topics.AsNoTracking().Include(t => t.Names).OrderBy(t => t.Key).ToListAsync(ct);
        return topics.Select(TopicView.From).ToList();
    }

    public async Task<TopicView> GetAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.TopicsRead);
        return TopicView.From(await FindAsync(id, ct));
    }

    public async Task<TopicView> CreateAsync(TopicInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.TopicsWrite);
        var topic = new Topic { Id = Guid.NewGuid(), Key = string.Empty, CreatedAt = ctx.Now };
        await ApplyAsync(topic, input, ct);
        ctx.Db.Topics.Add(topic);
        ctx.Audit.Record("topic.created", "topic", topic.Id.ToString(), topic.Key);
        await ctx.Db.SaveChangesAsync(ct);
        return TopicView.From(topic);
    }

    public async Task<TopicView> UpdateAsync(Guid id, TopicInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.TopicsWrite);
        var topic = await FindAsync(id, ct);
        await ApplyAsync(topic, input, ct);
        ctx.Audit.Record("topic.updated", "topic", topic.Id.ToString(), topic.Key);
        await ctx.Db.SaveChangesAsync(ct);
        return TopicView.From(topic);
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.TopicsWrite);
        var topic = await FindAsync(id, ct);
        if (await ctx.Db.Posts.AnyAsync(p => p.TopicId == id, ct))
        {
            throw ValidationFailedException.For("id", "This topic has bulletins: deactivate it instead of deleting it.");
        }

        ctx.Db.Topics.Remove(topic);
        ctx.Audit.Record("topic.deleted", "topic", topic.Id.ToString(), topic.Key);
        await ctx.Db.SaveChangesAsync(ct);
    }

    private async Task<Topic> FindAsync(Guid id, CancellationToken ct) =>
        await ctx.Db.Topics.Include(t => t.Names).FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFoundException("topic", id.ToString());

    private async Task ApplyAsync(Topic topic, TopicInput input, CancellationToken ct)
    {
        var key = input.Key?.Trim();
        var v = new Validation()
            .When(string.IsNullOrEmpty(key), "key", "A key is required.")
            .When(!string.IsNullOrEmpty(key) && !Rules.IsKey(key), "key", "Use 2 to 60 lowercase letters, digits or dashes, starting with a letter.");
        if (!string.IsNullOrEmpty(key) && await ctx.Db.Topics.AnyAsync(t => t.Key == key && t.Id != topic.Id, ct))
        {
            v.Add("key", "Another topic already has this key.");
        }

        var languages = await ctx.Db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (rawTag, rawName) in input.Names ?? new Dictionary<string, string?>())
        {
            var name = Rules.Clean(rawName);
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            var tag = Rules.NormalizeLanguageTag(rawTag ?? string.Empty);
            var field = "names." + rawTag;
            if (!languages.Contains(tag, StringComparer.Ordinal))
            {
                v.Add(field, "This language is not one of the organization's languages.");
            }
            else if (name.Length > 120)
            {
                v.Add(field, "The name is longer than 120 characters.");
            }
            else
            {
                names[tag] = name;
            }
        }

        if (languages.Count > 0 && !names.ContainsKey(languages[0]))
        {
            v.Add("names." + languages[0], "A name in the organization's main language is required.");
        }

        if (input.OfficeId is { } officeId && !await ctx.Db.Offices.AnyAsync(o => o.Id == officeId, ct))
        {
            v.Add("officeId", "There is no such office.");
        }

        v.ThrowIfInvalid();
        topic.Key = key!;
        topic.OfficeId = input.OfficeId;
        topic.IsActive = input.IsActive;
        foreach (var old in topic.Names.Where(n => !names.ContainsKey(n.Language)).ToList())
        {
            topic.Names.Remove(old);
        }

        foreach (var (tag, name) in names)
        {
            var existing = topic.Names.FirstOrDefault(n => n.Language == tag);
            if (existing is null)
            {
                topic.Names.Add(new TopicName { TopicId = topic.Id, Language = tag, Name = name, OrganizationId = ctx.OrganizationId });
            }
            else
            {
                existing.Name = name;
            }
        }
    }
}
