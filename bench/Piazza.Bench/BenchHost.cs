using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Piazza.Server.Data;
using Piazza.Server.Hooks;
using Piazza.Server.Hosting;

namespace Piazza.Bench;

/// <summary>The server's own registrations (database, features, broadcast engine; with <c>withHooks</c> also the
/// platforms' webhooks) in a host bound to 127.0.0.1 on a free port, every channel sending to the recording adapter.</summary>
public static class BenchHost
{
    public static WebApplication Build(BenchDatabase database, DirectoryInfo work, bool withHooks = false)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = work.FullName, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = database.Provider,
            ["ConnectionStrings:Piazza"] = database.ConnectionString,
            ["Database:SeedDemoOnStart"] = "false",
            ["Database:MigrateOnStart"] = "true",
            ["Security:MasterKeyFile"] = Path.Combine(work.FullName, "master.key"),
            ["Broadcast:Adapters:RecordAll"] = "true",
            ["Broadcast:Recording:KeepMessages"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Error",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Critical", // a fresh database: the migrations history table does not exist yet
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddPiazzaDatabase(builder.Configuration);
        builder.Services.AddPiazzaFeatures(builder.Configuration);
        if (withHooks)
        {
            builder.Services.AddPiazzaHooks();
        }

        var app = builder.Build();
        if (withHooks)
        {
            app.MapPiazzaHooks();
        }

        return app;
    }
}
