using Microsoft.AspNetCore.DataProtection;
using Piazza.ApiKeys;
using Piazza.Audit;
using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Common;
using Piazza.Data;
using Piazza.Inbound;
using Piazza.Offices;
using Piazza.Server.Security;
using Piazza.Organizations;
using Piazza.Policies;
using Piazza.Server.Demo;
using Piazza.Staff;
using Piazza.Subscribers;
using Piazza.Tenancy;
using Piazza.Topics;

namespace Piazza.Server.Hosting;

public static class Features
{
    /// <summary>Tenancy, actors, audit, the feature services shared by the console and the API, and the platforms.</summary>
    public static IServiceCollection AddPiazzaFeatures(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddScoped<TenantContext>();
        ActorOverride.AddPiazzaActors(services);
        services.AddScoped<Auditor>();
        services.AddScoped<ServiceContext>();

        services.AddScoped<OrganizationService>();
        services.AddScoped<OfficeService>();
        services.AddScoped<StaffService>();
        services.AddScoped<AccountService>();
        services.AddScoped<TopicService>();
        services.AddScoped<ChannelService>();
        services.AddScoped<SubscriberService>();
        services.AddScoped<Piazza.Subscribers.Import.SubscriberImportService>();   // lists kept before Piazza (CSV)
        services.AddHostedService<Piazza.Subscribers.Import.ImportFileSweeper>();  // deletes checked lists not imported in time
        services.AddScoped<ApiKeyService>();
        services.AddPiazzaChannels(config);
        services.AddPiazzaBroadcast(config);   // bulletin workflow, sending policy, releaser, dispatcher, status updates
        services.AddPiazzaInbound();           // citizens' messages: keywords (subscribe, leave, topics), kept for the staff
        services.AddScoped<ChannelPolicyService>();   // the channels' published policies, versioned
        services.AddSingleton<IServerAddress>(sp => new ServerAddress(sp.GetRequiredService<Piazza.Channels.WhatsApp.Simulator.ISandboxAddress>()));
        services.AddSingleton<PolicyLinks>();         // the policy pages' addresses (the subscription's confirmation links there)

        // Keys that encrypt channel secrets and cookies live in the database, shared by every instance,
        // themselves encrypted with the master key (Security__MasterKey or data/master.key).
        services.AddDataProtection().SetApplicationName("Piazza").PersistKeysToDbContext<PiazzaDb>().ProtectKeysWithMasterKey(config);

        services.AddOptions<DemoOptions>().Bind(config.GetSection(DemoOptions.Section));
        services.AddSingleton<DemoSeeder>();
        services.AddHostedService<StartupTasks>();
        return services;
    }
}

/// <summary>This server's address (the one its simulators use) for links written outside a request.</summary>
internal sealed class ServerAddress(Piazza.Channels.WhatsApp.Simulator.ISandboxAddress address) : IServerAddress
{
    public Uri? BaseAddress => address.BaseAddress;
}
