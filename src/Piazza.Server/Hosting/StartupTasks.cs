using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Piazza.Data;
using Piazza.Server.Data;
using Piazza.Server.Demo;

namespace Piazza.Server.Hosting;

/// <summary>Before the web server starts: apply migrations and, on a first run, create the demo municipality.
/// Once it listens: print where the console is.</summary>
public sealed class StartupTasks(
    IServiceProvider services, IOptions<DatabaseOptions> options, IHostApplicationLifetime lifetime, IServer server, ILogger<StartupTasks> logger)
    : IHostedLifecycleService
{
    private DemoSeeder.Result? _demo;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStart)
        {
            await MigrateAsync(services, cancellationToken);
        }

        if (options.Value.SeedDemoOnStart)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
            if (!await db.Organizations.IgnoreQueryFilters().AnyAsync(cancellationToken))
            {
                _demo = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
            }
        }

        lifetime.ApplicationStarted.Register(PrintWelcome);
    }

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        await db.Database.MigrateAsync(ct);
    }

    private void PrintWelcome()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5000";
        address = address.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal);
        Console.WriteLine();
        Console.WriteLine($"  Piazza staff console: {address}/console");
        Console.WriteLine($"  Public site:          {address}/");
        if (_demo is { } demo)
        {
            Console.WriteLine($"  Demo municipality \"Comune di Prato (demo)\" created. Sign in as {DemoSeeder.AdminEmail} with password {demo.Password}");
            Console.WriteLine($"  Other demo users (same password): {string.Join(", ", demo.Users.Skip(1).Select(u => $"{u.Email} ({u.Role})"))}");
            Console.WriteLine("  The password is shown only now; reset it with: dotnet run --project src/Piazza.Server -- create-admin --org prato-demo --email <e-mail>");
        }

        Console.WriteLine();
        logger.LogInformation("Piazza is listening on {Address}", address);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
