using System.CommandLine;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Piazza.ApiKeys;
using Piazza.Common;
using Piazza.Data;
using Piazza.Organizations;
using Piazza.Server.Demo;
using Piazza.Staff;

namespace Piazza.Server.Hosting;

/// <summary>The server binary's verbs: with none it runs the server; otherwise
/// <c>migrate</c>, <c>seed-demo</c>, <c>create-org</c>, <c>create-admin</c>, <c>create-api-key</c>.</summary>
public static class Cli
{
    public static Task<int> RunAsync(WebApplication app, string[] args)
    {
        var root = new RootCommand("Piazza: a municipality's bulletins on every channel. Without a verb, runs the server.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.SetAction(async (r, ct) =>
        {
            // Options such as --urls or key=value settings go to ASP.NET Core; a bare word is a mistyped verb,
            // which must not start the server instead.
            if (r.UnmatchedTokens is [var unknown, ..] && !unknown.StartsWith('-') && !unknown.Contains('=', StringComparison.Ordinal))
            {
                await Console.Error.WriteLineAsync($"error: unknown command \"{unknown}\". Commands: migrate, seed-demo, create-org, create-admin, create-api-key (--help for details).");
                return 2;
            }

            await app.RunAsync();
            return 0;
        });

        var migrate = new Command("migrate", "Apply database migrations and exit.");
        migrate.SetAction((_, ct) => Guarded(async () =>
        {
            await StartupTasks.MigrateAsync(app.Services, ct);
            Console.WriteLine("Database is up to date.");
        }));

        var seed = new Command("seed-demo", "Create the demo municipality \"Comune di Prato (demo)\" if it does not exist.");
        seed.SetAction((_, ct) => Guarded(async () =>
        {
            await StartupTasks.MigrateAsync(app.Services, ct);
            var result = await app.Services.GetRequiredService<DemoSeeder>().SeedAsync(ct);
            Console.WriteLine(result is null
                ? "The demo municipality already exists."
                : $"Created \"Comune di Prato (demo)\" ({result.OrganizationId}). Staff users, password {result.Password}: {string.Join(", ", result.Users.Select(u => $"{u.Email} ({u.Role})"))}");
        }));

        var orgName = new Option<string>("--name") { Description = "The organization's name, e.g. \"Comune di Empoli\".", Required = true };
        var orgSlug = new Option<string?>("--slug") { Description = "Short identifier used in public addresses (default: from the name)." };
        var orgLanguages = new Option<string?>("--languages") { Description = "Comma-separated BCP 47 tags in fallback order (default: it,zh)." };
        var createOrg = new Command("create-org", "Create an organization (a municipality).") { orgName, orgSlug, orgLanguages };
        createOrg.SetAction((r, ct) => Guarded(async () =>
        {
            await StartupTasks.MigrateAsync(app.Services, ct);
            await using var scope = app.Services.CreateAsyncScope();
            var languages = r.GetValue(orgLanguages)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var org = await OrganizationService.CreateAsync(
                scope.ServiceProvider.GetRequiredService<PiazzaDb>(), r.GetValue(orgName), r.GetValue(orgSlug), languages, TimeProvider.System, ct);
            Console.WriteLine($"Created organization \"{org.Name}\": id {org.Id}, slug {org.Slug}.");
        }));

        var orgOption = new Option<string>("--org") { Description = "The organization's id or slug.", Required = true };
        var email = new Option<string>("--email") { Description = "The administrator's e-mail address (their sign-in).", Required = true };
        var displayName = new Option<string?>("--display-name") { Description = "Their name (default: from the e-mail)." };
        var createAdmin = new Command("create-admin", "Create an administrator and print a generated password (or reset an existing user's password and make them admin).")
        {
            orgOption, email, displayName,
        };
        createAdmin.SetAction((r, ct) => Guarded(async () =>
        {
            await StartupTasks.MigrateAsync(app.Services, ct);
            var orgId = await FindOrganizationAsync(app.Services, r.GetValue(orgOption)!, ct);
            await using var scope = ActorOverride.ForOrganization(app.Services, orgId);
            var address = r.GetValue(email)!.Trim();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
            var staff = scope.ServiceProvider.GetRequiredService<StaffService>();
            var existing = await users.FindByEmailAsync(address);
            if (existing is null)
            {
                var name = r.GetValue(displayName) ?? address.Split('@')[0];
                var created = await staff.CreateAsync(new StaffUserInput(address, name, [new RoleView(StaffRole.Admin, null, null)]), ct);
                Console.WriteLine($"Created administrator {created.User.Email}.");
                Console.WriteLine($"Password (shown once): {created.Password}");
                return;
            }

            if (existing.OrganizationId != orgId)
            {
                throw ValidationFailedException.For("email", "A user with this e-mail address belongs to another organization.");
            }

            var current = await staff.GetAsync(existing.Id, ct);
            var roles = current.Roles.Append(new RoleView(StaffRole.Admin, null, null)).Distinct().ToList();
            await staff.UpdateAsync(existing.Id, new StaffUserInput(null, current.DisplayName, roles, true, current.UiCulture), ct);
            var password = await staff.ResetPasswordAsync(existing.Id, ct);
            Console.WriteLine($"{existing.Email} already existed: they are now an active administrator with a new password.");
            Console.WriteLine($"Password (shown once): {password}");
        }));

        var keyName = new Option<string>("--name") { Description = "What the key is for, e.g. \"Sito web comunale\".", Required = true };
        var keyScopes = new Option<string>("--scopes") { Description = "Space- or comma-separated scopes, or \"all\". Known: " + string.Join(", ", Audit.Scopes.All), Required = true };
        var createKey = new Command("create-api-key", "Create an API key and print it once (only its hash is stored).") { orgOption, keyName, keyScopes };
        createKey.SetAction((r, ct) => Guarded(async () =>
        {
            await StartupTasks.MigrateAsync(app.Services, ct);
            var orgId = await FindOrganizationAsync(app.Services, r.GetValue(orgOption)!, ct);
            await using var scope = ActorOverride.ForOrganization(app.Services, orgId);
            var created = await scope.ServiceProvider.GetRequiredService<ApiKeyService>()
                .CreateAsync(new ApiKeyInput(r.GetValue(keyName), [r.GetValue(keyScopes)!]), ct);
            Console.WriteLine($"Created API key \"{created.ApiKey.Name}\" with scopes: {string.Join(' ', created.ApiKey.Scopes)}");
            Console.WriteLine($"Key (shown once, only its hash is stored): {created.Key}");
        }));

        root.Subcommands.Add(migrate);
        root.Subcommands.Add(seed);
        root.Subcommands.Add(createOrg);
        root.Subcommands.Add(createAdmin);
        root.Subcommands.Add(createKey);
        return root.Parse(args).InvokeAsync();
    }

    private static async Task<Guid> FindOrganizationAsync(IServiceProvider services, string idOrSlug, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var value = idOrSlug.Trim();
        var id = Guid.TryParse(value, out var g) ? g : Guid.Empty;
        var org = await db.Organizations.IgnoreQueryFilters().FirstOrDefaultAsync(o => o.Id == id || o.Slug == value, ct);
        return org?.Id ?? throw ValidationFailedException.For("org", $"There is no organization with id or slug \"{value}\".");
    }

    private static async Task<int> Guarded(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (ValidationFailedException e)
        {
            foreach (var (field, messages) in e.Errors)
            {
                await Console.Error.WriteLineAsync($"error: --{field}: {string.Join(" ", messages)}");
            }

            return 2;
        }
#pragma warning disable CA1031 // a command-line verb reports any failure as one line and an exit code, never a stack trace
        catch (Exception e)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync("error: " + e.GetBaseException().Message);
            return 1;
        }
    }
}
