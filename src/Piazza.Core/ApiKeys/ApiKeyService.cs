using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Common;
using Piazza.Data;

namespace Piazza.ApiKeys;

/// <summary>An API key as listed: never the key itself.</summary>
/// <param name="Id">The key's id.</param>
/// <param name="Name">What it is for (e.g. "Sito web comunale").</param>
/// <param name="Prefix">The first characters of the key, to recognise it.</param>
/// <param name="Scopes">Permissions it grants.</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
/// <param name="LastUsedAt">When it was last used (UTC), if ever.</param>
/// <param name="RevokedAt">When it was revoked (UTC), if it was.</param>
public sealed record ApiKeyView(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt)
{
    public static ApiKeyView From(ApiKey k) => new(
        k.Id, k.Name, k.Prefix, k.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), k.CreatedAt, k.LastUsedAt, k.RevokedAt);
}

/// <summary>A new API key: <paramref name="Key"/> is shown this once; only its hash is stored.</summary>
/// <param name="ApiKey">The key's description.</param>
/// <param name="Key">The secret key to put in the Authorization header: "Bearer &lt;key&gt;".</param>
public sealed record CreatedApiKey(ApiKeyView ApiKey, string Key);

/// <summary>Fields of a new API key.</summary>
/// <param name="Name">Required, at most 200 characters.</param>
/// <param name="Scopes">Permissions, at least one (see the list in the API description; "all" grants every one).</param>
public sealed record ApiKeyInput(string? Name, IReadOnlyList<string>? Scopes);

public sealed class ApiKeyService(ServiceContext ctx)
{
    public const string KeyPrefix = "pz_";

    public async Task<IReadOnlyList<ApiKeyView>> ListAsync(CancellationToken ct)
    {
        ctx.Require(Scopes.ApiKeysWrite);
        var keys = await ctx.Db.ApiKeys.AsNoTracking().OrderBy(k => k.Name).ToListAsync(ct);
        return keys.Select(ApiKeyView.From).ToList();
    }

    public async Task<CreatedApiKey> CreateAsync(ApiKeyInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.ApiKeysWrite);
        var (key, secret) = New(ctx.OrganizationId, input.Name, input.Scopes is null ? null : string.Join(' ', input.Scopes), ctx.Now);
        ctx.Db.ApiKeys.Add(key);
        ctx.Audit.Record("api-key.created", "api-key", key.Id.ToString(), $"{key.Name} ({key.Scopes})");
        await ctx.Db.SaveChangesAsync(ct);
        return new CreatedApiKey(ApiKeyView.From(key), secret);
    }

    public async Task RevokeAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.ApiKeysWrite);
        var key = await ctx.Db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct) ?? throw new NotFoundException("api-key", id.ToString());
        key.RevokedAt ??= ctx.Now;
        ctx.Audit.Record("api-key.revoked", "api-key", key.Id.ToString(), key.Name);
        await ctx.Db.SaveChangesAsync(ct);
    }

    /// <summary>Validates and builds a key (also used by the create-api-key verb).</summary>
    public static (ApiKey Key, string Secret) New(Guid organizationId, string? name, string? scopes, DateTime now)
    {
        var cleanName = Rules.Clean(name);
        var parsed = Scopes.Parse(scopes, out var unknown);
        var v = new Validation()
            .When(string.IsNullOrEmpty(cleanName), "name", "A name is required.")
            .When(cleanName is { Length: > 200 }, "name", "The name is longer than 200 characters.")
            .When(unknown.Count > 0, "scopes", "Unknown scopes: " + string.Join(", ", unknown) + ". Known scopes: all, " + string.Join(", ", Scopes.All) + ".")
            .When(unknown.Count == 0 && parsed.Count == 0, "scopes", "At least one scope is required.");
        v.ThrowIfInvalid();
        var secret = KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey
        {
            Id = Guid.NewGuid(),
            OrganizationId = organizationId,
            Name = cleanName!,
            Prefix = secret[..10],
            Hash = Hash(secret),
            Scopes = string.Join(' ', parsed),
            CreatedAt = now,
        };
        return (key, secret);
    }

    /// <summary>Finds the live key matching a presented secret, across organizations.</summary>
    public static async Task<ApiKey?> FindByKeyAsync(PiazzaDb db, string presented, CancellationToken ct)
    {
        if (!presented.StartsWith(KeyPrefix, StringComparison.Ordinal) || presented.Length > 100)
        {
            return null;
        }

        var hash = Hash(presented);
        return await db.ApiKeys.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash && k.RevokedAt == null, ct);
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
