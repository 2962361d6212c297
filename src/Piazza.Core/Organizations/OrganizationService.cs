using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Common;
using Piazza.Data;

namespace Piazza.Organizations;

/// <summary>The organization (a municipality) as shown by the console and the API.</summary>
/// <param name="Id">The organization's id.</param>
/// <param name="Name">Its name (e.g. "Comune di Prato").</param>
/// <param name="Slug">Short unique identifier used in public URLs (e.g. "prato").</param>
/// <param name="TimeZone">IANA time zone (e.g. "Europe/Rome").</param>
/// <param name="Population">Resident population, used to compute reach.</param>
/// <param name="Languages">Its languages as BCP 47 tags, in fallback order (the first is the main language).</param>
/// <param name="PopulationGroups">Communities used for reach figures (e.g. Chinese-speaking residents).</param>
public sealed record OrganizationView(
    Guid Id, string Name, string Slug, string TimeZone, int Population, IReadOnlyList<string> Languages, IReadOnlyList<PopulationGroupView> PopulationGroups)
{
    public static OrganizationView From(Organization o) => new(
        o.Id, o.Name, o.Slug, o.TimeZone, o.Population,
        o.Languages.OrderBy(l => l.Position).Select(l => l.Tag).ToList(),
        o.PopulationGroups.OrderByDescending(g => g.Size).Select(g => new PopulationGroupView(g.Name, g.Language, g.Size)).ToList());
}

/// <summary>A group of residents, for reach figures.</summary>
/// <param name="Name">Name of the group (e.g. "Residenti di cittadinanza cinese").</param>
/// <param name="Language">The language that reaches them best, if any (BCP 47 tag).</param>
/// <param name="Size">Number of people.</param>
public sealed record PopulationGroupView(string Name, string? Language, int Size);

/// <summary>The organization's fields that can be changed.</summary>
/// <param name="Name">Required, at most 200 characters.</param>
/// <param name="TimeZone">Required IANA time zone id.</param>
/// <param name="Population">Resident population, 0 or more.</param>
/// <param name="Languages">BCP 47 tags in fallback order; at least one. Null leaves them unchanged.</param>
/// <param name="PopulationGroups">Replaces the population groups when not null.</param>
public sealed record OrganizationInput(
    string? Name, string? TimeZone, int Population, IReadOnlyList<string>? Languages = null, IReadOnlyList<PopulationGroupView>? PopulationGroups = null);

public sealed class OrganizationService(ServiceContext ctx)
{
    public async Task<OrganizationView> GetAsync(CancellationToken ct)
    {
        ctx.Require(Scopes.OrganizationRead);
        return OrganizationView.From(await FindAsync(ct));
    }

    public async Task<OrganizationView> UpdateAsync(OrganizationInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.OrganizationWrite);
        var org = await FindAsync(ct);
        var name = Rules.Clean(input.Name);
        var tz = input.TimeZone?.Trim();
        var v = new Validation()
            .When(string.IsNullOrEmpty(name), "name", "A name is required.")
            .When(name is { Length: > 200 }, "name", "The name is longer than 200 characters.")
            .When(!Rules.IsTimeZone(tz), "timeZone", "This is not a known time zone (for example Europe/Rome).")
            .When(input.Population < 0, "population", "The population cannot be negative.");
        var tags = input.Languages is null ? null : ValidateLanguages(input.Languages, v);
        var groups = input.PopulationGroups;
        for (var i = 0; groups is not null && i < groups.Count; i++)
        {
            var g = groups[i];
            v.When(string.IsNullOrWhiteSpace(g.Name) || g.Name.Length > 200, $"populationGroups[{i}].name", "A name of at most 200 characters is required.")
             .When(g.Size < 0, $"populationGroups[{i}].size", "The size cannot be negative.")
             .When(g.Language is not null && !Rules.IsLanguageTag(g.Language), $"populationGroups[{i}].language", "This is not a valid language tag (BCP 47, for example it, zh, zh-Hant).");
        }

        v.ThrowIfInvalid();
        org.Name = name!;
        org.TimeZone = tz!;
        org.Population = input.Population;
        if (tags is not null)
        {
            ReplaceLanguages(org, tags);
        }

        if (groups is not null)
        {
            org.PopulationGroups.Clear();
            org.PopulationGroups.AddRange(groups.Select(g => new PopulationGroup
            {
                OrganizationId = org.Id, Name = Rules.Clean(g.Name)!, Size = g.Size, Language = g.Language is null ? null : Rules.NormalizeLanguageTag(g.Language),
            }));
        }

        ctx.Audit.Record("organization.updated", "organization", org.Id.ToString(), org.Name);
        await ctx.Db.SaveChangesAsync(ct);
        return OrganizationView.From(org);
    }

    /// <summary>Validates a list of language tags, returning them normalized.</summary>
    public static List<string> ValidateLanguages(IReadOnlyList<string> languages, Validation v)
    {
        var tags = new List<string>();
        var invalid = false;
        for (var i = 0; i < languages.Count; i++)
        {
            var raw = languages[i]?.Trim();
            if (string.IsNullOrEmpty(raw))
            {
                continue;
            }

            if (!Rules.IsLanguageTag(raw))
            {
                v.Add($"languages[{i}]", "This is not a valid language tag (BCP 47, for example it, zh, zh-Hant).");
                invalid = true;
                continue;
            }

            var tag = Rules.NormalizeLanguageTag(raw);
            if (tags.Contains(tag, StringComparer.Ordinal))
            {
                v.Add($"languages[{i}]", "This language is listed twice.");
            }
            else
            {
                tags.Add(tag);
            }
        }

        if (tags.Count == 0 && !invalid)
        {
            v.Add("languages", "At least one language is required.");
        }

        return tags;
    }

    private static void ReplaceLanguages(Organization org, List<string> tags)
    {
        org.Languages.RemoveAll(l => !tags.Contains(l.Tag, StringComparer.Ordinal));
        for (var i = 0; i < tags.Count; i++)
        {
            var existing = org.Languages.FirstOrDefault(l => l.Tag == tags[i]);
            if (existing is null)
            {
                org.Languages.Add(new OrganizationLanguage { OrganizationId = org.Id, Tag = tags[i], Position = i });
            }
            else
            {
                existing.Position = i;
            }
        }
    }

    private async Task<Organization> FindAsync(CancellationToken ct) =>
        await ctx.Db.Organizations.Include(o => o.Languages).Include(o => o.PopulationGroups).FirstOrDefaultAsync(ct)
        ?? throw new NotFoundException("organization", ctx.OrganizationId.ToString());

    /// <summary>Identifiers an organization may not take: the first segment of the server's own addresses (its public site
    /// lives at <c>/{identifier}/…</c>).</summary>
    public static readonly IReadOnlySet<string> ReservedSlugs = new HashSet<string>(StringComparer.Ordinal)
    {
        "api", "console", "hooks", "sandbox", "openapi", "healthz", "readyz", "lib", "css", "js", "img", "fonts", "framework", "content",
    };

    /// <summary>Creates an organization (command line and demo seed; no tenant is set yet).</summary>
    public static async Task<Organization> CreateAsync(PiazzaDb db, string? name, string? slug, IReadOnlyList<string>? languages, TimeProvider time, CancellationToken ct)
    {
        var cleanName = Rules.Clean(name);
        var v = new Validation()
            .When(string.IsNullOrEmpty(cleanName), "name", "A name is required.")
            .When(cleanName is { Length: > 200 }, "name", "The name is longer than 200 characters.");
        var cleanSlug = string.IsNullOrWhiteSpace(slug) ? Slugify(cleanName ?? string.Empty) : slug.Trim();
        v.When(!Rules.IsKey(cleanSlug), "slug", "Use 2 to 60 lowercase letters, digits or dashes, starting with a letter.");
        v.When(ReservedSlugs.Contains(cleanSlug), "slug", "This identifier is one of the server's own addresses: choose another.");
        var tags = ValidateLanguages(languages ?? ["it", "zh"], v);
        if (Rules.IsKey(cleanSlug) && await db.Organizations.IgnoreQueryFilters().AnyAsync(o => o.Slug == cleanSlug, ct))
        {
            v.Add("slug", "Another organization already uses this identifier.");
        }

        v.ThrowIfInvalid();
        var org = new Organization { Id = Guid.NewGuid(), Name = cleanName!, Slug = cleanSlug, CreatedAt = time.GetUtcNow().UtcDateTime };
        ReplaceLanguages(org, tags);
        db.Organizations.Add(org);
        db.AuditEntries.Add(new AuditEntry
        {
            OrganizationId = org.Id, At = org.CreatedAt, ActorKind = ActorKind.CommandLine, ActorName = "command line",
            Action = "organization.created", ObjectType = "organization", ObjectId = org.Id.ToString(), Detail = org.Name,
        });
        await db.SaveChangesAsync(ct);
        return org;
    }

    public static string Slugify(string name)
    {
        var normalized = name.Normalize(System.Text.NormalizationForm.FormD);
        var sb = new System.Text.StringBuilder();
        foreach (var c in normalized)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }

        var slug = sb.ToString().Trim('-');
        if (slug.Length > 60)
        {
            slug = slug[..60].Trim('-');
        }

        return slug.Length < 2 || !char.IsAsciiLetter(slug[0]) ? "org-" + slug : slug;
    }
}
