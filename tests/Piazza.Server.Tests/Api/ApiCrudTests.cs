using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.ApiKeys;
using Piazza.Server.Tests.Infrastructure;
using Piazza.Staff;
using Xunit;

namespace Piazza.Server.Tests.Api;

/// <summary>Every resource of /api/v1 through the real HTTP pipeline: create, read, change, delete, and
/// what an API key without a permission, a bad key or no key gets.</summary>
public sealed class ApiCrudTests(PiazzaFactory factory) : IClassFixture<PiazzaFactory>
{
    [Fact]
    public async Task Organization_is_read_and_updated()
    {
        var name = ApiHttp.Unique("Comune di Vaiano");
        var orgId = await factory.CreateOrganizationAsync(name);
        var client = factory.ClientWithKey(await factory.CreateApiKeyAsync(orgId));

        var org = await client.GetJsonAsync("/api/v1/organization");
        Assert.Equal(orgId.ToString(), org.Id());
        Assert.Equal(name, (string?)org["name"]);
        Assert.Equal(["it", "zh"], org["languages"]!.Items().Select(l => (string)l!));

        var body = new
        {
            name = name + " (aggiornato)",
            timeZone = "Europe/Rome",
            population = 10_000,
            languages = new[] { "it", "zh", "en" },
            populationGroups = new[] { new { name = "Residenti di cittadinanza cinese", language = "zh", size = 1200 } },
        };
        var updated = await client.PutJsonAsync("/api/v1/organization", body);
        Assert.Equal(name + " (aggiornato)", (string?)updated["name"]);

        var again = await client.GetJsonAsync("/api/v1/organization");
        Assert.Equal(10_000, (int)again["population"]!);
        Assert.Equal(["it", "zh", "en"], again["languages"]!.Items().Select(l => (string)l!));
        var group = Assert.Single(again["populationGroups"]!.Items());
        Assert.Equal("zh", (string?)group["language"]);
        Assert.Equal(1200, (int)group["size"]!);

        // Reordering languages keeps them all, in the new order.
        await client.PutJsonAsync("/api/v1/organization", new { name, timeZone = "Europe/Rome", population = 10_000, languages = new[] { "zh", "it" } });
        Assert.Equal(["zh", "it"], (await client.GetJsonAsync("/api/v1/organization"))["languages"]!.Items().Select(l => (string)l!));

        var audit = await client.GetJsonAsync($"/api/v1/audit?objectType=organization&objectId={orgId}");
        Assert.Equal(2, audit.Items().Count(a => (string?)a["action"] == "organization.updated"));
    }

    [Fact]
    public async Task Offices_round_trip()
    {
        var (_, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Cantagallo"));
        var created = await client.PostJsonAsync("/api/v1/offices", new { name = "Ufficio Stampa", email = "stampa@cantagallo.example" });
        var id = created.Id();
        Assert.Equal("stampa@cantagallo.example", (string?)created["email"]);

        Assert.Equal("Ufficio Stampa", (string?)(await client.GetJsonAsync($"/api/v1/offices/{id}"))["name"]);
        Assert.Single((await client.GetJsonAsync("/api/v1/offices")).Items(), o => o.Id() == id);

        var updated = await client.PutJsonAsync($"/api/v1/offices/{id}", new { name = "Ufficio Stampa e Comunicazione", email = (string?)null });
        Assert.Equal("Ufficio Stampa e Comunicazione", (string?)updated["name"]);
        Assert.Null(updated["email"]);
        Assert.Equal("Ufficio Stampa e Comunicazione", (string?)(await client.GetJsonAsync($"/api/v1/offices/{id}"))["name"]);

        await client.DeleteAsync($"/api/v1/offices/{id}");
        await client.SendProblemAsync(HttpMethod.Get, $"/api/v1/offices/{id}", null, HttpStatusCode.NotFound);
        await client.SendProblemAsync(HttpMethod.Delete, $"/api/v1/offices/{id}", null, HttpStatusCode.NotFound);

        var audit = await client.GetJsonAsync($"/api/v1/audit?objectType=office&objectId={id}");
        Assert.Equal(["office.deleted", "office.updated", "office.created"], audit.Items().Select(a => (string)a["action"]!));
        Assert.All(audit.Items(), a =>
        {
            Assert.Equal("ApiKey", (string?)a["actorKind"]);
            Assert.Equal("API key tests", (string?)a["actorName"]);
        });
    }

    [Fact]
    public async Task Users_round_trip_and_a_reset_password_signs_in()
    {
        var (_, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Vernio"));
        var office = await client.PostJsonAsync("/api/v1/offices", new { name = "Ufficio Scuola" });
        var email = $"redazione.{Guid.NewGuid():N}@vernio.example";
        var created = await client.PostJsonAsync("/api/v1/users", new
        {
            email,
            displayName = "Giulia Bianchi",
            roles = new object[] { new { role = "Editor", officeId = office.Id() }, new { role = "Translator", language = "zh" } },
        });
        var id = created["user"]!.Id();
        var firstPassword = (string)created["password"]!;
        Assert.True(firstPassword.Length >= 10);
        Assert.Equal(email, (string?)created["user"]!["email"]);
        Assert.True(await PasswordWorksAsync(email, firstPassword));

        var user = await client.GetJsonAsync($"/api/v1/users/{id}");
        Assert.Equal("Giulia Bianchi", (string?)user["displayName"]);
        Assert.Equal(2, user["roles"]!.AsArray().Count);
        Assert.Contains(user["roles"]!.Items(), r => (string?)r["role"] == "Translator" && (string?)r["language"] == "zh");
        Assert.Single((await client.GetJsonAsync("/api/v1/users")).Items(), u => u.Id() == id);
        Assert.DoesNotContain(firstPassword, (await client.GetJsonAsync("/api/v1/users")).ToJsonString(), StringComparison.Ordinal);

        var updated = await client.PutJsonAsync($"/api/v1/users/{id}", new
        {
            displayName = "Giulia Bianchi Rossi",
            roles = new[] { new { role = "Approver" } },
            isActive = true,
            uiCulture = "en",
        });
        Assert.Equal("Giulia Bianchi Rossi", (string?)updated["displayName"]);
        Assert.Equal("en", (string?)updated["uiCulture"]);
        Assert.Equal("Approver", (string?)Assert.Single(updated["roles"]!.Items())["role"]);

        var reset = await client.PostJsonAsync($"/api/v1/users/{id}/reset-password", null, HttpStatusCode.OK);
        var newPassword = (string)reset["password"]!;
        Assert.NotEqual(firstPassword, newPassword);
        Assert.True(await PasswordWorksAsync(email, newPassword));
        Assert.False(await PasswordWorksAsync(email, firstPassword));

        await client.DeleteAsync($"/api/v1/users/{id}");
        await client.SendProblemAsync(HttpMethod.Get, $"/api/v1/users/{id}", null, HttpStatusCode.NotFound);
        var audit = await client.GetJsonAsync($"/api/v1/audit?objectType=user&objectId={id}");
        Assert.Equal(["user.deleted", "user.password-reset", "user.updated", "user.created"], audit.Items().Select(a => (string)a["action"]!));
        Assert.DoesNotContain(newPassword, audit.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topics_round_trip()
    {
        var (_, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Montemurlo"));
        var office = await client.PostJsonAsync("/api/v1/offices", new { name = "Protezione Civile" });
        var created = await client.PostJsonAsync("/api/v1/topics", new
        {
            key = "allerta-meteo",
            names = new Dictionary<string, string> { ["it"] = "Allerta meteo", ["zh"] = "天气预警" },
            officeId = office.Id(),
        });
        var id = created.Id();
        Assert.Equal("天气预警", (string?)created["names"]!["zh"]);
        Assert.True((bool)created["isActive"]!);

        var topic = await client.GetJsonAsync($"/api/v1/topics/{id}");
        Assert.Equal(office.Id(), (string?)topic["officeId"]);
        Assert.Single((await client.GetJsonAsync("/api/v1/topics")).Items(), t => t.Id() == id);

        var updated = await client.PutJsonAsync($"/api/v1/topics/{id}", new
        {
            key = "meteo",
            names = new Dictionary<string, string> { ["it"] = "Meteo" },
            isActive = false,
        });
        Assert.Equal("meteo", (string?)updated["key"]);
        Assert.False((bool)updated["isActive"]!);
        Assert.Null(updated["officeId"]);
        var names = (await client.GetJsonAsync($"/api/v1/topics/{id}"))["names"]!.AsObject();
        Assert.Equal(["it"], names.Select(n => n.Key));

        await client.DeleteAsync($"/api/v1/topics/{id}");
        await client.SendProblemAsync(HttpMethod.Get, $"/api/v1/topics/{id}", null, HttpStatusCode.NotFound);
        Assert.DoesNotContain((await client.GetJsonAsync("/api/v1/topics")).Items(), t => t.Id() == id);
    }

    [Fact]
    public async Task Channels_round_trip_and_kinds_are_listed()
    {
        var (_, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Poggio a Caiano"));
        var kinds = await client.GetJsonAsync("/api/v1/channels/kinds");
        Assert.Equal(["Facebook", "Mastodon", "Telegram", "WeChat", "Web", "WhatsApp", "X"], kinds.Items().Select(k => (string)k["kind"]!).Order(StringComparer.Ordinal));
        var whatsapp = kinds.Items().Single(k => (string?)k["kind"] == "WhatsApp");
        Assert.Contains(whatsapp["secrets"]!.Items(), f => (string?)f["name"] == "accessToken");

        var created = await client.PostJsonAsync("/api/v1/channels", new
        {
            kind = "Telegram",
            name = "Telegram Poggio",
            isSandbox = true,
            settings = new Dictionary<string, string> { ["botUsername"] = "poggio_bot" },
        });
        var id = created.Id();
        Assert.Equal("Telegram", (string?)created["kind"]);
        Assert.Equal("poggio_bot", (string?)created["settings"]!["botUsername"]);
        Assert.Equal("https://api.telegram.org", (string?)created["settings"]!["baseUrl"]);
        // A sandbox bot gets a generated token and webhook secret (the simulator knows the bot by its token).
        Assert.Equal(["botToken", "webhookSecret"], created["secretsSet"]!.AsArray().Select(s => (string)s!).Order(StringComparer.Ordinal));

        Assert.Equal("Telegram Poggio", (string?)(await client.GetJsonAsync($"/api/v1/channels/{id}"))["name"]);
        Assert.Single((await client.GetJsonAsync("/api/v1/channels")).Items(), c => c.Id() == id);

        var updated = await client.PutJsonAsync($"/api/v1/channels/{id}", new
        {
            name = "Telegram Poggio a Caiano",
            isSandbox = true,
            isEnabled = false,
            settings = new Dictionary<string, string> { ["botUsername"] = "poggio_bot", ["channelUsername"] = "@poggio" },
        });
        Assert.Equal("Telegram Poggio a Caiano", (string?)updated["name"]);
        Assert.False((bool)updated["isEnabled"]!);
        Assert.Equal("@poggio", (string?)updated["settings"]!["channelUsername"]);

        await client.DeleteAsync($"/api/v1/channels/{id}");
        await client.SendProblemAsync(HttpMethod.Get, $"/api/v1/channels/{id}", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Channel_secrets_are_never_returned_are_encrypted_at_rest_and_still_readable_by_the_server()
    {
        var (orgId, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Carmignano"));
        var token = "EAAG-secret-token-" + Guid.NewGuid().ToString("N");
        var appSecret = "app-secret-" + Guid.NewGuid().ToString("N");
        var verify = "verify-" + Guid.NewGuid().ToString("N");
        var texts = new[] { token, appSecret, verify };

        using var createResponse = await client.SendAsync(HttpMethod.Post, "/api/v1/channels", new
        {
            kind = "WhatsApp",
            name = "WhatsCarmignano",
            settings = new Dictionary<string, string> { ["phoneNumberId"] = "1234567890", ["businessAccountId"] = "9876543210" },
            secrets = new Dictionary<string, string> { ["accessToken"] = token, ["appSecret"] = appSecret, ["verifyToken"] = verify },
        });
        var createdText = await createResponse.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, createResponse.StatusCode);
        var created = JsonNode.Parse(createdText)!;
        var id = created.Id();
        Assert.Equal(["accessToken", "appSecret", "verifyToken"], created["secretsSet"]!.Items().Select(s => (string)s!));

        // Changing only the name keeps the secrets; clearing one removes it.
        using var updateResponse = await client.SendAsync(HttpMethod.Put, $"/api/v1/channels/{id}", new
        {
            name = "WhatsCarmignano (sandbox)",
            isSandbox = true,
            settings = new Dictionary<string, string> { ["phoneNumberId"] = "1234567890", ["businessAccountId"] = "9876543210" },
            secrets = new Dictionary<string, string> { ["verifyToken"] = "" },
        });
        var updatedText = await updateResponse.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, updateResponse.StatusCode);
        Assert.Equal(["accessToken", "appSecret"], JsonNode.Parse(updatedText)!["secretsSet"]!.Items().Select(s => (string)s!));

        var responses = new List<string> { createdText, updatedText };
        foreach (var url in new[] { $"/api/v1/channels/{id}", "/api/v1/channels", "/api/v1/audit", $"/api/v1/audit?objectId={id}" })
        {
            using var r = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            responses.Add(await r.Content.ReadAsStringAsync());
        }

        foreach (var response in responses)
        {
            foreach (var secret in texts)
            {
                Assert.DoesNotContain(secret, response, StringComparison.Ordinal);
            }
        }

        // The column holds ciphertext…
        await using (var db = factory.Database.CreateContext())
        {
            var row = db.Channels.IgnoreQueryFilters().Single(c => c.Id == Guid.Parse(id));
            Assert.NotNull(row.ProtectedSecrets);
            foreach (var secret in texts)
            {
                Assert.DoesNotContain(secret, row.ProtectedSecrets, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, row.SettingsJson, StringComparison.Ordinal);
            }
        }

        // …that the server's own keys decrypt.
        await using var scope = Piazza.Server.Hosting.ActorOverride.ForOrganization(factory.Services, orgId);
        var channels = scope.ServiceProvider.GetRequiredService<Piazza.Channels.ChannelService>();
        var dbInScope = scope.ServiceProvider.GetRequiredService<Piazza.Data.PiazzaDb>();
        var channel = dbInScope.Channels.Single(c => c.Id == Guid.Parse(id));
        var secrets = channels.ReadSecrets(channel);
        Assert.Equal(token, secrets["accessToken"]);
        Assert.Equal(appSecret, secrets["appSecret"]);
        Assert.False(secrets.ContainsKey("verifyToken"));
    }

    [Fact]
    public async Task Subscribers_round_trip_with_masked_addresses()
    {
        var (_, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Calenzano"));
        var channel = await client.PostJsonAsync("/api/v1/channels", new { kind = "WhatsApp", name = "WhatsCalenzano", isSandbox = true });
        var topic = await client.PostJsonAsync("/api/v1/topics", new { key = "acqua", names = new Dictionary<string, string> { ["it"] = "Acqua" } });
        var topic2 = await client.PostJsonAsync("/api/v1/topics", new { key = "scuole", names = new Dictionary<string, string> { ["it"] = "Scuole" } });

        const string Address = "+393331234567";
        var created = await client.PostJsonAsync("/api/v1/subscribers", new
        {
            channelId = channel.Id(),
            address = Address,
            displayName = "Wang Fang",
            languages = new[] { "zh", "it" },
            topicIds = new[] { topic.Id() },
            consentMethod = "Staff",
            consentEvidence = "Modulo cartaceo n. 42",
            policyVersion = "2026-01",
            source = "sportello",
        });
        var id = created.Id();
        Assert.Equal("+39•••••4567", (string?)created["maskedAddress"]);
        Assert.Equal(["zh", "it"], created["languages"]!.Items().Select(l => (string)l!));
        Assert.Equal("Staff", (string?)created["consent"]!["method"]);
        Assert.Equal("Active", (string?)created["status"]);

        var single = await client.GetJsonAsync($"/api/v1/subscribers/{id}");
        var list = await client.GetJsonAsync("/api/v1/subscribers");
        Assert.Equal(1, (int)list["total"]!);
        Assert.Equal("+39•••••4567", (string?)single["maskedAddress"]);
        foreach (var json in new[] { created.ToJsonString(), single.ToJsonString(), list.ToJsonString() })
        {
            Assert.DoesNotContain("3331234567", json, StringComparison.Ordinal);
            Assert.DoesNotContain("Wang Fang", json, StringComparison.Ordinal);
        }

        Assert.Equal(1, (int)(await client.GetJsonAsync($"/api/v1/subscribers?topicId={topic.Id()}&language=zh&status=Active"))["total"]!);
        Assert.Equal(0, (int)(await client.GetJsonAsync($"/api/v1/subscribers?topicId={topic2.Id()}"))["total"]!);

        var patched = await client.PatchJsonAsync($"/api/v1/subscribers/{id}", new { topicIds = new[] { topic2.Id() }, status = "Left" });
        Assert.Equal("Left", (string?)patched["status"]);
        Assert.NotNull(patched["leftAt"]);
        Assert.Equal([topic2.Id()], patched["topicIds"]!.Items().Select(t => (string)t!));
        Assert.Equal(["zh", "it"], patched["languages"]!.Items().Select(l => (string)l!));

        var patched2 = await client.PatchJsonAsync($"/api/v1/subscribers/{id}", new { languages = new[] { "it" } });
        Assert.Equal("Left", (string?)patched2["status"]);
        Assert.Equal(["it"], patched2["languages"]!.Items().Select(l => (string)l!));

        var personal = await client.GetJsonAsync($"/api/v1/subscribers/{id}/personal-data?purpose=verifica%20iscrizione");
        Assert.Equal(Address, (string?)personal["address"]);
        Assert.Equal("Wang Fang", (string?)personal["displayName"]);

        await client.DeleteAsync($"/api/v1/subscribers/{id}");
        await client.SendProblemAsync(HttpMethod.Get, $"/api/v1/subscribers/{id}", null, HttpStatusCode.NotFound);
        await using (var db = factory.Database.CreateContext())
        {
            Assert.False(db.Subscribers.IgnoreQueryFilters().Any(s => s.Address == Address));
        }

        var audit = await client.GetJsonAsync($"/api/v1/audit?objectType=subscriber&objectId={id}");
        Assert.Equal(["subscriber.erased", "personal-data.read", "subscriber.updated", "subscriber.updated", "subscriber.created"], audit.Items().Select(a => (string)a["action"]!));
        Assert.DoesNotContain("3331234567", audit.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Personal_data_needs_its_own_scope_and_every_read_and_search_is_audited()
    {
        var orgId = await factory.CreateOrganizationAsync(ApiHttp.Unique("Comune di Signa"));
        var admin = factory.ClientWithKey(await factory.CreateApiKeyAsync(orgId));
        var reader = factory.ClientWithKey(await factory.CreateApiKeyAsync(orgId, "subscribers:read", "Lettore"));
        var privacy = factory.ClientWithKey(await factory.CreateApiKeyAsync(orgId, "subscribers:read subscribers:personal-data", "Ufficio privacy"));
        var channel = await admin.PostJsonAsync("/api/v1/channels", new { kind = "Telegram", name = "Telegram Signa", isSandbox = true });
        var subscriber = await admin.PostJsonAsync("/api/v1/subscribers", new
        {
            channelId = channel.Id(), address = "555123987", consentMethod = "Follow", consentEvidence = "/start", policyVersion = "1",
        });
        var id = subscriber.Id();
        Assert.Equal("55•••••87", (string?)subscriber["maskedAddress"]);

        // Masked reads are fine with subscribers:read.
        Assert.Equal("55•••••87", (string?)(await reader.GetJsonAsync($"/api/v1/subscribers/{id}"))["maskedAddress"]);
        var auditBefore = await admin.GetJsonAsync("/api/v1/audit?objectType=subscriber");

        // Without subscribers:personal-data: 403, and nothing revealed or logged.
        var denied = await reader.SendProblemAsync(HttpMethod.Get, $"/api/v1/subscribers/{id}/personal-data", null, HttpStatusCode.Forbidden);
        Assert.DoesNotContain("555123987", denied.ToJsonString(), StringComparison.Ordinal);
        await reader.SendProblemAsync(HttpMethod.Get, "/api/v1/subscribers?search=5551", null, HttpStatusCode.Forbidden);
        Assert.Equal(auditBefore.AsArray().Count, (await admin.GetJsonAsync("/api/v1/audit?objectType=subscriber")).AsArray().Count);

        // With it: the address, and an audit entry naming the key and the subscriber.
        var personal = await privacy.GetJsonAsync($"/api/v1/subscribers/{id}/personal-data?purpose=richiesta%20del%20cittadino");
        Assert.Equal("555123987", (string?)personal["address"]);
        var keys = await admin.GetJsonAsync("/api/v1/api-keys");
        var privacyKeyId = keys.Items().Single(k => (string?)k["name"] == "Ufficio privacy").Id();
        await using (var db = factory.Database.CreateContext())
        {
            var entry = db.AuditEntries.IgnoreQueryFilters().Where(a => a.OrganizationId == orgId && a.Action == "personal-data.read").ToList().Single();
            Assert.Equal("subscriber", entry.ObjectType);
            Assert.Equal(id, entry.ObjectId);
            Assert.Equal(Piazza.Audit.ActorKind.ApiKey, entry.ActorKind);
            Assert.Equal(privacyKeyId, entry.ActorId);
            Assert.Equal("API key Ufficio privacy", entry.ActorName);
            Assert.Contains("richiesta del cittadino", entry.Detail, StringComparison.Ordinal);
        }

        // Searching addresses is a personal-data read too: allowed with the scope, and audited without the searched text.
        var found = await privacy.GetJsonAsync("/api/v1/subscribers?search=5551239");
        Assert.Equal(id, Assert.Single(found["items"]!.Items()).Id());
        Assert.Equal(0, (int)(await privacy.GetJsonAsync("/api/v1/subscribers?search=999999"))["total"]!);
        await using (var db = factory.Database.CreateContext())
        {
            var searches = db.AuditEntries.IgnoreQueryFilters().Where(a => a.OrganizationId == orgId && a.Action == "personal-data.search").ToList();
            Assert.Equal(2, searches.Count);
            Assert.All(searches, s =>
            {
                Assert.Equal(privacyKeyId, s.ActorId);
                Assert.DoesNotContain("5551239", s.Detail ?? string.Empty, StringComparison.Ordinal);
            });
        }
    }

    [Fact]
    public async Task Api_keys_are_created_listed_used_and_revoked()
    {
        var (orgId, admin) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Lastra a Signa"));
        var created = await admin.PostJsonAsync("/api/v1/api-keys", new { name = "Sito web comunale", scopes = new[] { "topics:read" } });
        var key = (string)created["key"]!;
        var keyId = created["apiKey"]!.Id();
        Assert.StartsWith(ApiKeyService.KeyPrefix, key, StringComparison.Ordinal);
        Assert.Equal(["topics:read"], created["apiKey"]!["scopes"]!.Items().Select(s => (string)s!));

        var list = await admin.GetJsonAsync("/api/v1/api-keys");
        Assert.Single(list.Items(), k => k.Id() == keyId);
        Assert.DoesNotContain(key, list.ToJsonString(), StringComparison.Ordinal);
        await using (var db = factory.Database.CreateContext())
        {
            var row = db.ApiKeys.IgnoreQueryFilters().Single(k => k.Id == Guid.Parse(keyId));
            Assert.Equal(ApiKeyService.Hash(key), row.Hash);
            Assert.Equal(orgId, row.OrganizationId);
        }

        var website = factory.ClientWithKey(key);
        await website.GetJsonAsync("/api/v1/topics");
        await website.SendProblemAsync(HttpMethod.Get, "/api/v1/offices", null, HttpStatusCode.Forbidden);
        await website.SendProblemAsync(HttpMethod.Get, "/api/v1/api-keys", null, HttpStatusCode.Forbidden);
        Assert.NotNull((await admin.GetJsonAsync("/api/v1/api-keys")).Items().Single(k => k.Id() == keyId)["lastUsedAt"]);

        await admin.DeleteAsync($"/api/v1/api-keys/{keyId}");
        Assert.NotNull((await admin.GetJsonAsync("/api/v1/api-keys")).Items().Single(k => k.Id() == keyId)["revokedAt"]);
        using var revoked = await website.GetAsync("/api/v1/topics");
        await revoked.ProblemAsync(HttpStatusCode.Unauthorized);
        await admin.SendProblemAsync(HttpMethod.Delete, $"/api/v1/api-keys/{Guid.NewGuid()}", null, HttpStatusCode.NotFound);

        var audit = await admin.GetJsonAsync($"/api/v1/audit?objectType=api-key&objectId={keyId}");
        Assert.Equal(["api-key.revoked", "api-key.created"], audit.Items().Select(a => (string)a["action"]!));
    }

    [Fact]
    public async Task Audit_log_lists_newest_first_and_needs_its_scope()
    {
        var orgId = await factory.CreateOrganizationAsync(ApiHttp.Unique("Comune di Campi Bisenzio"));
        var admin = factory.ClientWithKey(await factory.CreateApiKeyAsync(orgId));
        await admin.PostJsonAsync("/api/v1/offices", new { name = "Primo" });
        await admin.PostJsonAsync("/api/v1/offices", new { name = "Secondo" });
        var audit = await admin.GetJsonAsync("/api/v1/audit?objectType=office");
        Assert.Equal(["Secondo", "Primo"], audit.Items().Select(a => (string)a["detail"]!));
        Assert.True((long)audit[0]!["id"]! > (long)audit[1]!["id"]!);
        Assert.Single((await admin.GetJsonAsync("/api/v1/audit?objectType=office&take=1")).Items());
        Assert.Equal("Primo", (string?)(await admin.GetJsonAsync("/api/v1/audit?objectType=office&skip=1"))[0]!["detail"]);

        var noAudit = factory.ClientWithKey(await factory.CreateApiKeyAsync(orgId, "offices:read"));
        await noAudit.SendProblemAsync(HttpMethod.Get, "/api/v1/audit", null, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_last_active_administrator_cannot_be_demoted_disabled_or_deleted()
    {
        var (_, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Gambassi"));
        var first = (await client.PostJsonAsync("/api/v1/users", new { email = $"primo.{Guid.NewGuid():N}@gambassi.example", displayName = "Primo", roles = new[] { new { role = "Admin" } } }))["user"]!.Id();

        var demote = await client.SendProblemAsync(HttpMethod.Put, $"/api/v1/users/{first}", new { displayName = "Primo", roles = new[] { new { role = "Editor" } } }, HttpStatusCode.BadRequest);
        Assert.True(demote["errors"]!.AsObject().ContainsKey("roles"), demote.Text());
        var disable = await client.SendProblemAsync(HttpMethod.Put, $"/api/v1/users/{first}", new { displayName = "Primo", roles = new[] { new { role = "Admin" } }, isActive = false }, HttpStatusCode.BadRequest);
        Assert.True(disable["errors"]!.AsObject().ContainsKey("roles"), disable.Text());
        var delete = await client.SendProblemAsync(HttpMethod.Delete, $"/api/v1/users/{first}", null, HttpStatusCode.BadRequest);
        Assert.True(delete["errors"]!.AsObject().ContainsKey("id"), delete.Text());
        Assert.Equal("Admin", (string?)Assert.Single((await client.GetJsonAsync($"/api/v1/users/{first}"))["roles"]!.Items())["role"]);

        // With a second administrator, the first may step down.
        await client.PostJsonAsync("/api/v1/users", new { email = $"secondo.{Guid.NewGuid():N}@gambassi.example", displayName = "Secondo", roles = new[] { new { role = "Admin" } } });
        var demoted = await client.PutJsonAsync($"/api/v1/users/{first}", new { displayName = "Primo", roles = new[] { new { role = "Editor" } } });
        Assert.Equal("Editor", (string?)Assert.Single(demoted["roles"]!.Items())["role"]);
    }

    [Fact]
    public async Task Names_keys_and_e_mails_must_be_unique_where_the_rules_say()
    {
        var (_, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Montaione"));
        var (_, other) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Castelfiorentino"));

        await client.PostJsonAsync("/api/v1/offices", new { name = "Anagrafe" });
        await other.PostJsonAsync("/api/v1/offices", new { name = "Anagrafe" }); // another organization may use the same name
        var office = await client.SendProblemAsync(HttpMethod.Post, "/api/v1/offices", new { name = " Anagrafe " }, HttpStatusCode.BadRequest);
        Assert.True(office["errors"]!.AsObject().ContainsKey("name"), office.Text());

        await client.PostJsonAsync("/api/v1/topics", new { key = "anagrafe", names = new Dictionary<string, string> { ["it"] = "Anagrafe" } });
        var topic = await client.SendProblemAsync(HttpMethod.Post, "/api/v1/topics", new { key = "anagrafe", names = new Dictionary<string, string> { ["it"] = "Altro" } }, HttpStatusCode.BadRequest);
        Assert.True(topic["errors"]!.AsObject().ContainsKey("key"), topic.Text());

        await client.PostJsonAsync("/api/v1/channels", new { kind = "Telegram", name = "Canale", isSandbox = true });
        var channel = await client.SendProblemAsync(HttpMethod.Post, "/api/v1/channels", new { kind = "WeChat", name = "Canale", isSandbox = true }, HttpStatusCode.BadRequest);
        Assert.True(channel["errors"]!.AsObject().ContainsKey("name"), channel.Text());

        // E-mails are the sign-in: unique across organizations, whatever the case.
        var email = $"ufficio.{Guid.NewGuid():N}@montaione.example";
        await client.PostJsonAsync("/api/v1/users", new { email, displayName = "Ufficio", roles = new[] { new { role = "Editor" } } });
        var user = await other.SendProblemAsync(HttpMethod.Post, "/api/v1/users", new { email = email.ToUpperInvariant(), displayName = "Copia", roles = new[] { new { role = "Editor" } } }, HttpStatusCode.BadRequest);
        Assert.True(user["errors"]!.AsObject().ContainsKey("email"), user.Text());
        Assert.DoesNotContain("montaione", user.Text(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_channel_with_active_subscribers_cannot_be_deleted_and_erasing_removes_them()
    {
        var (_, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Cerreto Guidi"));
        var channel = await client.PostJsonAsync("/api/v1/channels", new { kind = "Telegram", name = "Telegram Cerreto", isSandbox = true });
        var subscriber = await client.PostJsonAsync("/api/v1/subscribers", new { channelId = channel.Id(), address = "987654321", consentEvidence = "/start", policyVersion = "1" });
        Assert.Equal(1, (int)(await client.GetJsonAsync($"/api/v1/channels/{channel.Id()}"))["activeSubscribers"]!);

        var refused = await client.SendProblemAsync(HttpMethod.Delete, $"/api/v1/channels/{channel.Id()}", null, HttpStatusCode.BadRequest);
        Assert.True(refused["errors"]!.AsObject().ContainsKey("id"), refused.Text());

        await client.PatchJsonAsync($"/api/v1/subscribers/{subscriber.Id()}", new { status = "Left" });
        Assert.Equal(0, (int)(await client.GetJsonAsync($"/api/v1/channels/{channel.Id()}"))["activeSubscribers"]!);
        await client.DeleteAsync($"/api/v1/channels/{channel.Id()}");
        await client.SendProblemAsync(HttpMethod.Get, $"/api/v1/subscribers/{subscriber.Id()}", null, HttpStatusCode.NotFound);
        await using var db = factory.Database.CreateContext();
        Assert.False(await db.Subscribers.IgnoreQueryFilters().AnyAsync(s => s.Address == "987654321"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer pz_not-a-real-key")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer something-else")]
    public async Task Without_a_valid_key_the_api_answers_401_problem_json(string? authorization)
    {
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        foreach (var (method, url) in new[] { (HttpMethod.Get, "/api/v1/organization"), (HttpMethod.Get, "/api/v1/topics"), (HttpMethod.Post, "/api/v1/offices"), (HttpMethod.Delete, $"/api/v1/users/{Guid.NewGuid()}") })
        {
            using var response = await client.SendAsync(method, url, method == HttpMethod.Post ? new { name = "x" } : null);
            await response.ProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        }
    }

    [Fact]
    public async Task A_key_of_a_revoked_or_other_shape_is_refused_while_a_good_one_passes()
    {
        var orgId = await factory.CreateOrganizationAsync(ApiHttp.Unique("Comune di Sesto"));
        var secret = await factory.CreateApiKeyAsync(orgId, "topics:read");
        var good = factory.ClientWithKey(secret);
        await good.GetJsonAsync("/api/v1/topics");

        // The same key with one character changed is unknown.
        var tampered = factory.ClientWithKey(secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'));
        using var r = await tampered.GetAsync("/api/v1/topics");
        await r.ProblemAsync(HttpStatusCode.Unauthorized);

        // "bearer" in lower case is accepted (the scheme is case-insensitive).
        var lower = factory.CreateClient();
        lower.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("bearer", secret);
        await lower.GetJsonAsync("/api/v1/topics");
    }

    [Theory]
    [InlineData("GET", "/api/v1/organization", "topics:read")]
    [InlineData("PUT", "/api/v1/organization", "organization:read")]
    [InlineData("GET", "/api/v1/offices", "topics:read")]
    [InlineData("POST", "/api/v1/offices", "offices:read")]
    [InlineData("GET", "/api/v1/users", "offices:read")]
    [InlineData("POST", "/api/v1/users", "users:read")]
    [InlineData("GET", "/api/v1/topics", "offices:read")]
    [InlineData("POST", "/api/v1/topics", "topics:read")]
    [InlineData("GET", "/api/v1/channels", "topics:read")]
    [InlineData("POST", "/api/v1/channels", "channels:read")]
    [InlineData("GET", "/api/v1/subscribers", "topics:read")]
    [InlineData("POST", "/api/v1/subscribers", "subscribers:read")]
    [InlineData("GET", "/api/v1/audit", "subscribers:read")]
    [InlineData("GET", "/api/v1/api-keys", "audit:read")]
    [InlineData("POST", "/api/v1/api-keys", "audit:read")]
    public async Task A_key_without_the_scope_gets_403_problem_json_and_nothing_changes(string method, string url, string scopes)
    {
        var orgId = await factory.CreateOrganizationAsync(ApiHttp.Unique("Comune di Scandicci"));
        var client = factory.ClientWithKey(await factory.CreateApiKeyAsync(orgId, scopes));
        var before = await factory.CountRowsAsync();
        var problem = await client.SendProblemAsync(new HttpMethod(method), url, method == "GET" ? null : "{}", HttpStatusCode.Forbidden);
        Assert.Contains(":", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(before, await factory.CountRowsAsync());
    }

    private async Task<bool> PasswordWorksAsync(string email, string password)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffUser>>();
        var user = await users.FindByEmailAsync(email);
        Assert.NotNull(user);
        return await users.CheckPasswordAsync(user, password);
    }
}
