using Microsoft.EntityFrameworkCore;
using Piazza.Audit;
using Piazza.Common;

namespace Piazza.Offices;

/// <summary>An office as shown by the console and the API.</summary>
/// <param name="Id">The office's id.</param>
/// <param name="Name">Its name, unique in the organization (e.g. "Ufficio stampa e comunicazione").</param>
/// <param name="Email">Its contact e-mail, if any.</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
public sealed record OfficeView(Guid Id, string Name, string? Email, DateTime CreatedAt)
{
    public static OfficeView From(Office o) => new(o.Id, o.Name, o.Email, o.CreatedAt);
}

/// <summary>The fields of an office that can be set.</summary>
/// <param name="Name">Required, at most 200 characters, unique in the organization.</param>
/// <param name="Email">Optional contact e-mail.</param>
public sealed record OfficeInput(string? Name, string? Email);

public sealed class OfficeService(ServiceContext ctx)
{
    public async Task<IReadOnlyList<OfficeView>> ListAsync(CancellationToken ct)
    {
        ctx.Require(Scopes.OfficesRead);
        var offices = await ctx.Db.Offices.AsNoTracking().OrderBy(o => o.Name).ToListAsync(ct);
        return offices.Select(OfficeView.From).ToList();
    }

    public async Task<OfficeView> GetAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.OfficesRead);
        return OfficeView.From(await FindAsync(id, ct));
    }

    public async Task<OfficeView> CreateAsync(OfficeInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.OfficesWrite);
        var office = new Office { Name = string.Empty, CreatedAt = ctx.Now };
        await ApplyAsync(office, input, ct);
        ctx.Db.Offices.Add(office);
        ctx.Audit.Record("office.created", "office", office.Id.ToString(), office.Name);
        await ctx.Db.SaveChangesAsync(ct);
        return OfficeView.From(office);
    }

    public async Task<OfficeView> UpdateAsync(Guid id, OfficeInput input, CancellationToken ct)
    {
        ctx.Require(Scopes.OfficesWrite);
        var office = await FindAsync(id, ct);
        await ApplyAsync(office, input, ct);
        ctx.Audit.Record("office.updated", "office", office.Id.ToString(), office.Name);
        await ctx.Db.SaveChangesAsync(ct);
        return OfficeView.From(office);
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        ctx.Require(Scopes.OfficesWrite);
        var office = await FindAsync(id, ct);
        var v = new Validation();
        if (await ctx.Db.Topics.AnyAsync(t => t.OfficeId == id, ct))
        {
            v.Add("id", "This office has topics: assign them to another office first.");
        }

        // Roles limited to the office would be removed with it, silently taking powers away from people.
        if (await ctx.Db.RoleAssignments.AnyAsync(r => r.OfficeId == id, ct))
        {
            v.Add("id", "Some users have roles in this office: change their roles first.");
        }

        v.ThrowIfInvalid();
        ctx.Db.Offices.Remove(office);
        ctx.Audit.Record("office.deleted", "office", office.Id.ToString(), office.Name);
        await ctx.Db.SaveChangesAsync(ct);
    }

    private async Task<Office> FindAsync(Guid id, CancellationToken ct) =>
        await ctx.Db.Offices.FirstOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundException("office", id.ToString());

    private async Task ApplyAsync(Office office, OfficeInput input, CancellationToken ct)
    {
        var name = Rules.Clean(input.Name);
        var email = Rules.Clean(input.Email);
        var v = new Validation()
            .When(string.IsNullOrEmpty(name), "name", "A name is required.")
            .When(name is { Length: > 200 }, "name", "The name is longer than 200 characters.")
            .When(!string.IsNullOrEmpty(email) && !Rules.IsEmail(email), "email", "This is not a valid e-mail address.");
        if (!string.IsNullOrEmpty(name) && await ctx.Db.Offices.AnyAsync(o => o.Name == name && o.Id != office.Id, ct))
        {
            v.Add("name", "Another office already has this name.");
        }

        v.ThrowIfInvalid();
        office.Name = name!;
        office.Email = string.IsNullOrEmpty(email) ? null : email;
    }
}
