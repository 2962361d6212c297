using System.Net;
using Piazza.Server.Tests.Infrastructure;

namespace Piazza.Server.Tests.Api;

/// <summary>The server with two organizations, A and B, each holding one object of every kind, created
/// through the API with an all-scopes key.</summary>
public sealed class TwoOrganizationsFactory : PiazzaFactory
{
    public Tenant A { get; private set; } = default!;

    public Tenant B { get; private set; } = default!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        A = await PopulateAsync("Comune di Agliana", "+393330000001");
        B = await PopulateAsync("Comune di Buggiano", "+393339999999");
    }

    private async Task<Tenant> PopulateAsync(string name, string address)
    {
        var (orgId, client) = await NewOrganizationClientAsync(ApiHttp.Unique(name));
        var slug = Guid.NewGuid().ToString("N")[..8];
        var office = await client.PostJsonAsync("/api/v1/offices", new { name = "Ufficio " + name, email = $"ufficio.{slug}@example.org" });
        var user = await client.PostJsonAsync("/api/v1/users", new
        {
            email = $"staff.{slug}@example.org",
            displayName = "Staff " + name,
            roles = new[] { new { role = "Editor", officeId = office.Id() } },
        });
        var topic = await client.PostJsonAsync("/api/v1/topics", new
        {
            key = "topic-" + slug,
            names = new Dictionary<string, string> { ["it"] = "Argomento " + name, ["zh"] = "主题" },
            officeId = office.Id(),
        });
        var channel = await client.PostJsonAsync("/api/v1/channels", new
        {
            kind = "WhatsApp",
            name = "WhatsApp " + name,
            isSandbox = true,
            officeId = office.Id(),
            secrets = new Dictionary<string, string> { ["accessToken"] = "token-" + slug },
        });
        var subscriber = await client.PostJsonAsync("/api/v1/subscribers", new
        {
            channelId = channel.Id(),
            address,
            displayName = "Iscritto " + name,
            languages = new[] { "it" },
            topicIds = new[] { topic.Id() },
            consentEvidence = "ATTIVA ISCRIZIONE",
            policyVersion = "2026-01",
        });
        var key = await client.PostJsonAsync("/api/v1/api-keys", new { name = "Chiave " + name, scopes = new[] { "topics:read" } });
        return new Tenant(orgId, client, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["office"] = office.Id(),
            ["user"] = user["user"]!.Id(),
            ["topic"] = topic.Id(),
            ["channel"] = channel.Id(),
            ["subscriber"] = subscriber.Id(),
            ["apikey"] = key["apiKey"]!.Id(),
        }, address);
    }

    /// <summary>One organization, an all-scopes client of it and the ids of its objects by kind.</summary>
    public sealed record Tenant(Guid OrganizationId, HttpClient Client, IReadOnlyDictionary<string, string> Ids, string SubscriberAddress)
    {
        /// <summary>Replaces {office}, {user}, {topic}, {channel}, {subscriber} and {apikey} with this organization's ids.</summary>
        public string Fill(string text)
        {
            foreach (var (kind, id) in Ids)
            {
                text = text.Replace("{" + kind + "}", id, StringComparison.Ordinal);
            }

            return text;
        }

        /// <summary>How the object looks to its own organization (JSON text), to compare before and after.</summary>
        public async Task<string> SnapshotAsync(string kind)
        {
            var url = kind switch
            {
                "office" => $"/api/v1/offices/{Ids["office"]}",
                "user" => $"/api/v1/users/{Ids["user"]}",
                "topic" => $"/api/v1/topics/{Ids["topic"]}",
                "channel" => $"/api/v1/channels/{Ids["channel"]}",
                "subscriber" => $"/api/v1/subscribers/{Ids["subscriber"]}",
                "apikey" => "/api/v1/api-keys",
                "organization" => "/api/v1/organization",
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
            var json = await Client.GetJsonAsync(url, HttpStatusCode.OK);
            if (kind == "apikey")
            {
                json = json.Items().Single(k => k.Id() == Ids["apikey"]);
            }

            json.AsObject().Remove("lastUsedAt");
            return json.ToJsonString();
        }
    }
}
