using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Piazza.Server.Tests.Api;

/// <summary>An organization's key never sees nor touches another organization's objects: every operation on
/// one of B's objects with A's key is a 404 problem (as if it did not exist), and B's object is unchanged.</summary>
public sealed class TenantIsolationTests(TwoOrganizationsFactory factory) : IClassFixture<TwoOrganizationsFactory>
{
    public static TheoryData<string, string, string, string?> OperationsOnObjects => new()
    {
        // object kind, method, path, body
        { "office", "GET", "/api/v1/offices/{office}", null },
        { "office", "PUT", "/api/v1/offices/{office}", """{"name":"Preso da A"}""" },
        { "office", "DELETE", "/api/v1/offices/{office}", null },
        { "user", "GET", "/api/v1/users/{user}", null },
        { "user", "PUT", "/api/v1/users/{user}", """{"displayName":"Preso da A","roles":[{"role":"Admin"}]}""" },
        { "user", "POST", "/api/v1/users/{user}/reset-password", null },
        { "user", "DELETE", "/api/v1/users/{user}", null },
        { "topic", "GET", "/api/v1/topics/{topic}", null },
        { "topic", "PUT", "/api/v1/topics/{topic}", """{"key":"preso-da-a","names":{"it":"Preso da A"}}""" },
        { "topic", "DELETE", "/api/v1/topics/{topic}", null },
        { "channel", "GET", "/api/v1/channels/{channel}", null },
        { "channel", "PUT", "/api/v1/channels/{channel}", """{"name":"Preso da A","isSandbox":true,"secrets":{"accessToken":"rubato"}}""" },
        { "channel", "DELETE", "/api/v1/channels/{channel}", null },
        { "subscriber", "GET", "/api/v1/subscribers/{subscriber}", null },
        { "subscriber", "GET", "/api/v1/subscribers/{subscriber}/personal-data", null },
        { "subscriber", "PATCH", "/api/v1/subscribers/{subscriber}", """{"status":"Left"}""" },
        { "subscriber", "DELETE", "/api/v1/subscribers/{subscriber}", null },
        { "apikey", "DELETE", "/api/v1/api-keys/{apikey}", null },
    };

    [Theory]
    [MemberData(nameof(OperationsOnObjects))]
    public async Task A_key_of_organization_A_gets_404_for_every_object_of_B_and_B_is_unchanged(string kind, string method, string path, string? body)
    {
        var a = factory.A;
        var b = factory.B;
        var before = await b.SnapshotAsync(kind);
        var secretsBefore = await RowSecretsAsync(b);
        var auditOfBBefore = await AuditCountAsync(b.OrganizationId);

        var problem = await a.Client.SendProblemAsync(new HttpMethod(method), b.Fill(path), body, HttpStatusCode.NotFound);
        Assert.DoesNotContain(b.SubscriberAddress, problem.ToJsonString(), StringComparison.Ordinal);

        Assert.Equal(before, await b.SnapshotAsync(kind));
        Assert.Equal(secretsBefore, await RowSecretsAsync(b));
        Assert.Equal(auditOfBBefore, await AuditCountAsync(b.OrganizationId));

        // A's own object of the same kind is found: the 404 really is the tenant boundary, not a broken route.
        if (method == "GET")
        {
            await a.Client.GetJsonAsync(a.Fill(path));
        }
    }

    public static TheoryData<string> ListEndpoints => new()
    {
        "/api/v1/offices",
        "/api/v1/users",
        "/api/v1/topics",
        "/api/v1/channels",
        "/api/v1/subscribers",
        "/api/v1/subscribers?take=500",
        "/api/v1/subscribers?channelId={channel}",
        "/api/v1/subscribers?topicId={topic}",
        "/api/v1/subscribers?search=3339999",
        "/api/v1/api-keys",
        "/api/v1/audit?take=500",
        "/api/v1/audit?objectType=office&objectId={office}",
        "/api/v1/organization",
    };

    [Theory]
    [MemberData(nameof(ListEndpoints))]
    public async Task Lists_of_A_never_include_rows_of_B(string url)
    {
        var b = factory.B;
        var answer = await factory.A.Client.GetJsonAsync(b.Fill(url));
        var json = answer.Text();
        foreach (var (_, id) in b.Ids.Where(i => i.Key != "subscriber").Append(new("organization", b.OrganizationId.ToString())))
        {
            Assert.DoesNotContain(id, json, StringComparison.OrdinalIgnoreCase);
        }

        // Subscriber ids are numbers: look at the ids of the rows, not at the text.
        var rows = answer is JsonObject page && page["items"] is JsonArray items ? items : answer as JsonArray ?? [];
        var subscriberIds = url.Contains("/subscribers", StringComparison.Ordinal)
            ? rows.Select(r => r!["id"]!.ToJsonString())
            : rows.Where(r => (string?)r?["objectType"] == "subscriber").Select(r => (string?)r!["objectId"] ?? "");
        Assert.DoesNotContain(b.Ids["subscriber"], subscriberIds);

        Assert.DoesNotContain("Buggiano", json, StringComparison.Ordinal);
        Assert.DoesNotContain("•••••9999", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_owns_its_own_rows_in_each_list()
    {
        var a = factory.A;
        foreach (var (url, kind) in new[] { ("/api/v1/offices", "office"), ("/api/v1/users", "user"), ("/api/v1/topics", "topic"), ("/api/v1/channels", "channel"), ("/api/v1/api-keys", "apikey") })
        {
            var list = await a.Client.GetJsonAsync(url);
            Assert.Contains(list.Items(), item => item.Id() == a.Ids[kind]);
        }

        var subscribers = await a.Client.GetJsonAsync("/api/v1/subscribers");
        Assert.Equal(a.Ids["subscriber"], Assert.Single(subscribers["items"]!.Items()).Id());
    }

    public static TheoryData<string, string, string, string> ReferencesToB => new()
    {
        // method, path (A's objects), body naming one of B's objects, field expected in "errors"
        { "POST", "/api/v1/topics", """{"key":"con-ufficio-b","names":{"it":"Con ufficio di B"},"officeId":"{b:office}"}""", "officeId" },
        { "PUT", "/api/v1/topics/{topic}", """{"key":"con-ufficio-b","names":{"it":"Con ufficio di B"},"officeId":"{b:office}"}""", "officeId" },
        { "POST", "/api/v1/channels", """{"kind":"Telegram","name":"Con ufficio di B","isSandbox":true,"officeId":"{b:office}"}""", "officeId" },
        { "PUT", "/api/v1/channels/{channel}", """{"name":"Con ufficio di B","isSandbox":true,"officeId":"{b:office}"}""", "officeId" },
        { "POST", "/api/v1/users", """{"email":"ruolo.b@example.org","displayName":"Ruolo in B","roles":[{"role":"Editor","officeId":"{b:office}"}]}""", "roles[0].officeId" },
        { "PUT", "/api/v1/users/{user}", """{"displayName":"Ruolo in B","roles":[{"role":"Editor","officeId":"{b:office}"}]}""", "roles[0].officeId" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{b:channel}","address":"+393331112223","consentEvidence":"x","policyVersion":"1"}""", "channelId" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","address":"+393331112224","topicIds":["{b:topic}"],"consentEvidence":"x","policyVersion":"1"}""", "topicIds[0]" },
        { "PATCH", "/api/v1/subscribers/{subscriber}", """{"topicIds":["{b:topic}"]}""", "topicIds[0]" },
    };

    [Theory]
    [MemberData(nameof(ReferencesToB))]
    public async Task A_cannot_point_its_objects_at_objects_of_B(string method, string path, string body, string field)
    {
        var a = factory.A;
        var b = factory.B;
        foreach (var (kind, id) in b.Ids)
        {
            body = body.Replace("{b:" + kind + "}", id, StringComparison.Ordinal);
        }

        var counts = await factory.CountRowsAsync();
        var problem = await a.Client.SendProblemAsync(new HttpMethod(method), a.Fill(path), a.Fill(body), HttpStatusCode.BadRequest);
        Assert.True(problem["errors"]?.AsObject().ContainsKey(field), problem.ToJsonString());
        Assert.Equal(counts, await factory.CountRowsAsync());
    }

    private async Task<int> AuditCountAsync(Guid organizationId)
    {
        await using var db = factory.Database.CreateContext();
        return await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.OrganizationId == organizationId);
    }

    /// <summary>What the API does not show: B's user's password hash and security stamp, B's channel secrets, B's key hash.</summary>
    private async Task<string> RowSecretsAsync(TwoOrganizationsFactory.Tenant b)
    {
        await using var db = factory.Database.CreateContext();
        var user = await db.Users.IgnoreQueryFilters().SingleAsync(u => u.Id == Guid.Parse(b.Ids["user"]));
        var channel = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Id == Guid.Parse(b.Ids["channel"]));
        var key = await db.ApiKeys.IgnoreQueryFilters().SingleAsync(k => k.Id == Guid.Parse(b.Ids["apikey"]));
        return string.Join("|", user.PasswordHash, user.SecurityStamp, user.IsActive, channel.ProtectedSecrets, channel.SettingsJson, key.Hash, key.RevokedAt);
    }
}
