using System.Net;
using Xunit;

namespace Piazza.Server.Tests.Api;

/// <summary>Bad input to every write endpoint is a 400 problem+json whose "errors" names the field; nothing is
/// written (row counts and the objects are unchanged, no audit entry).</summary>
public sealed class ValidationTests(TwoOrganizationsFactory factory) : IClassFixture<TwoOrganizationsFactory>
{
    private static readonly string TooLong = new('x', 201);

    public static TheoryData<string, string, string, string> BadInput => new()
    {
        // method, path, body, field named in "errors"
        { "PUT", "/api/v1/organization", """{"timeZone":"Europe/Rome","population":1}""", "name" },
        { "PUT", "/api/v1/organization", $$"""{"name":"{{TooLong}}","timeZone":"Europe/Rome"}""", "name" },
        { "PUT", "/api/v1/organization", """{"name":"Comune","timeZone":"Mars/Olympus"}""", "timeZone" },
        { "PUT", "/api/v1/organization", """{"name":"Comune","timeZone":"Europe/Rome","population":-5}""", "population" },
        { "PUT", "/api/v1/organization", """{"name":"Comune","timeZone":"Europe/Rome","population":"many"}""", "population" },
        { "PUT", "/api/v1/organization", """{"name":"Comune","timeZone":"Europe/Rome","languages":["it","not a tag"]}""", "languages[1]" },
        { "PUT", "/api/v1/organization", """{"name":"Comune","timeZone":"Europe/Rome","languages":[]}""", "languages" },
        { "PUT", "/api/v1/organization", """{"name":"Comune","timeZone":"Europe/Rome","populationGroups":[{"name":"","size":1}]}""", "populationGroups[0].name" },
        { "PUT", "/api/v1/organization", """{"name":"Comune","timeZone":"Europe/Rome","mayor":"Rossi"}""", "mayor" },

        { "POST", "/api/v1/offices", "{}", "name" },
        { "POST", "/api/v1/offices", $$"""{"name":"{{TooLong}}"}""", "name" },
        { "POST", "/api/v1/offices", """{"name":"Ufficio Tributi","email":"not-an-address"}""", "email" },
        { "POST", "/api/v1/offices", """{"name":"Ufficio Tributi","floor":3}""", "floor" },
        { "POST", "/api/v1/offices", """{"name":42}""", "name" },
        { "POST", "/api/v1/offices", """{"name":"Ufficio Tributi",""", "body" },
        { "POST", "/api/v1/offices", """[{"name":"Ufficio Tributi"}]""", "body" },
        { "PUT", "/api/v1/offices/{office}", """{"name":"  "}""", "name" },
        { "PUT", "/api/v1/offices/{office}", """{"name":"Ufficio","email":["a@b.it"]}""", "email" },

        { "POST", "/api/v1/users", """{"displayName":"Anna","roles":[{"role":"Editor"}]}""", "email" },
        { "POST", "/api/v1/users", """{"email":"anna@","displayName":"Anna","roles":[{"role":"Editor"}]}""", "email" },
        { "POST", "/api/v1/users", """{"email":"anna@example.org","roles":[{"role":"Editor"}]}""", "displayName" },
        { "POST", "/api/v1/users", $$"""{"email":"anna@example.org","displayName":"{{TooLong}}","roles":[{"role":"Editor"}]}""", "displayName" },
        { "POST", "/api/v1/users", """{"email":"anna@example.org","displayName":"Anna","roles":[]}""", "roles" },
        { "POST", "/api/v1/users", """{"email":"anna@example.org","displayName":"Anna","roles":[{"role":"Mayor"}]}""", "roles[0].role" },
        { "POST", "/api/v1/users", """{"email":"anna@example.org","displayName":"Anna","roles":[{"role":"Translator"}]}""", "roles[0].language" },
        { "POST", "/api/v1/users", """{"email":"anna@example.org","displayName":"Anna","roles":[{"role":"Translator","language":"fr"}]}""", "roles[0].language" },
        { "POST", "/api/v1/users", """{"email":"anna@example.org","displayName":"Anna","roles":[{"role":"Editor"}],"uiCulture":"fr"}""", "uiCulture" },
        { "POST", "/api/v1/users", """{"email":"anna@example.org","displayName":"Anna","roles":[{"role":"Editor"}],"isActive":"yes"}""", "isActive" },
        { "POST", "/api/v1/users", """{"email":"anna@example.org","displayName":"Anna","roles":[{"role":"Editor"}],"password":"chosen"}""", "password" },
        { "PUT", "/api/v1/users/{user}", """{"displayName":"","roles":[{"role":"Editor"}]}""", "displayName" },
        { "PUT", "/api/v1/users/{user}", """{"email":"someone.else@example.org","displayName":"Anna","roles":[{"role":"Editor"}]}""", "email" },
        { "PUT", "/api/v1/users/{user}", """{"displayName":"Anna","roles":[{"role":"Editor","officeId":"not-a-guid"}]}""", "roles[0].officeId" },

        { "POST", "/api/v1/topics", """{"names":{"it":"Tributi"}}""", "key" },
        { "POST", "/api/v1/topics", """{"key":"Tributi Locali","names":{"it":"Tributi"}}""", "key" },
        { "POST", "/api/v1/topics", """{"key":"tributi","names":{"zh":"税务"}}""", "names.it" },
        { "POST", "/api/v1/topics", $$$"""{"key":"tributi","names":{"it":"{{{TooLong}}}"}}""", "names.it" },
        { "POST", "/api/v1/topics", """{"key":"tributi","names":{"it":"Tributi","fr":"Impôts"}}""", "names.fr" },
        { "POST", "/api/v1/topics", """{"key":"tributi","names":{"it":"Tributi"},"officeId":"12"}""", "officeId" },
        { "POST", "/api/v1/topics", """{"key":"tributi","names":{"it":"Tributi"},"officeId":"7d6f0000-0000-0000-0000-000000000000"}""", "officeId" },
        { "POST", "/api/v1/topics", """{"key":"tributi","names":{"it":"Tributi"},"isActive":1}""", "isActive" },
        { "POST", "/api/v1/topics", """{"key":"tributi","names":["Tributi"]}""", "names" },
        { "PUT", "/api/v1/topics/{topic}", """{"key":"","names":{"it":"Tributi"}}""", "key" },
        { "PUT", "/api/v1/topics/{topic}", """{"key":"tributi","names":{"it":"Tributi"},"colour":"red"}""", "colour" },

        { "POST", "/api/v1/channels", """{"name":"Canale"}""", "kind" },
        { "POST", "/api/v1/channels", """{"kind":"Pigeon","name":"Canale"}""", "kind" },
        { "POST", "/api/v1/channels", """{"kind":99,"name":"Canale"}""", "kind" },
        { "POST", "/api/v1/channels", """{"kind":"Telegram","isSandbox":true}""", "name" },
        { "POST", "/api/v1/channels", $$"""{"kind":"Telegram","name":"{{TooLong}}","isSandbox":true}""", "name" },
        { "POST", "/api/v1/channels", """{"kind":"Telegram","name":"Canale","isSandbox":true,"settings":{"colour":"red"}}""", "settings.colour" },
        { "POST", "/api/v1/channels", """{"kind":"Telegram","name":"Canale","isSandbox":true,"settings":{"baseUrl":"ftp://example.org"}}""", "settings.baseUrl" },
        { "POST", "/api/v1/channels", """{"kind":"Telegram","name":"Canale","isSandbox":true,"secrets":{"password":"x"}}""", "secrets.password" },
        { "POST", "/api/v1/channels", """{"kind":"Telegram","name":"Canale"}""", "settings.botUsername" },
        { "POST", "/api/v1/channels", """{"kind":"Telegram","name":"Canale","settings":{"botUsername":"b"}}""", "secrets.botToken" },
        { "POST", "/api/v1/channels", """{"kind":"Telegram","name":"Canale","isSandbox":"true"}""", "isSandbox" },
        { "PUT", "/api/v1/channels/{channel}", """{"kind":"Telegram","name":"Canale","isSandbox":true}""", "kind" },
        { "PUT", "/api/v1/channels/{channel}", """{"name":"","isSandbox":true}""", "name" },

        { "POST", "/api/v1/subscribers", """{"address":"+393330001111","consentEvidence":"x","policyVersion":"1"}""", "channelId" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","consentEvidence":"x","policyVersion":"1"}""", "address" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","address":"3330001111","consentEvidence":"x","policyVersion":"1"}""", "address" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","address":"+393330001111","policyVersion":"1"}""", "consentEvidence" },
        { "POST", "/api/v1/subscribers", $$"""{"channelId":"{channel}","address":"+393330001111","consentEvidence":"x","policyVersion":"{{TooLong}}"}""", "policyVersion" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","address":"+393330001111","consentEvidence":"x","policyVersion":"1","consentMethod":"Telepathy"}""", "consentMethod" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","address":"+393330001111","consentEvidence":"x","policyVersion":"1","languages":["fr"]}""", "languages[0]" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","address":"+393330001111","consentEvidence":"x","policyVersion":"1","topicIds":["7d6f0000-0000-0000-0000-000000000000"]}""", "topicIds[0]" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","address":"+393330001111","consentEvidence":"x","policyVersion":"1","consentAt":"2999-01-01T00:00:00Z"}""", "consentAt" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","address":"+393330001111","consentEvidence":"x","policyVersion":"1","consentAt":"yesterday"}""", "consentAt" },
        { "POST", "/api/v1/subscribers", $$"""{"channelId":"{channel}","address":"+393330001111","displayName":"{{TooLong}}","consentEvidence":"x","policyVersion":"1"}""", "displayName" },
        { "POST", "/api/v1/subscribers", """{"channelId":"{channel}","address":"+393330000001","consentEvidence":"x","policyVersion":"1"}""", "address" },
        { "PATCH", "/api/v1/subscribers/{subscriber}", """{"status":"Gone"}""", "status" },
        { "PATCH", "/api/v1/subscribers/{subscriber}", """{"languages":[]}""", "languages" },
        { "PATCH", "/api/v1/subscribers/{subscriber}", """{"languages":["xx-invalid"]}""", "languages[0]" },
        { "PATCH", "/api/v1/subscribers/{subscriber}", """{"topicIds":"all"}""", "topicIds" },
        { "PATCH", "/api/v1/subscribers/{subscriber}", """{"nickname":"Mario"}""", "nickname" },

        { "POST", "/api/v1/api-keys", """{"scopes":["topics:read"]}""", "name" },
        { "POST", "/api/v1/api-keys", $$"""{"name":"{{TooLong}}","scopes":["topics:read"]}""", "name" },
        { "POST", "/api/v1/api-keys", """{"name":"Sito"}""", "scopes" },
        { "POST", "/api/v1/api-keys", """{"name":"Sito","scopes":[]}""", "scopes" },
        { "POST", "/api/v1/api-keys", """{"name":"Sito","scopes":["topics:fly"]}""", "scopes" },
        { "POST", "/api/v1/api-keys", """{"name":"Sito","scopes":"topics:read"}""", "scopes" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_a_400_naming_the_field_and_nothing_is_written(string method, string path, string body, string field)
    {
        var a = factory.A;
        var kinds = new[] { "organization", "office", "user", "topic", "channel", "subscriber", "apikey" };
        var before = new List<string>();
        foreach (var kind in kinds)
        {
            before.Add(await a.SnapshotAsync(kind));
        }

        var counts = await factory.CountRowsAsync();

        var problem = await a.Client.SendProblemAsync(new HttpMethod(method), a.Fill(path), a.Fill(body), HttpStatusCode.BadRequest);
        var errors = problem["errors"]?.AsObject();
        Assert.True(errors is not null && errors.ContainsKey(field), $"expected errors[\"{field}\"] in {problem.Text()}");
        Assert.All(errors!, e => Assert.NotEmpty(e.Value!.AsArray()));

        Assert.Equal(counts, await factory.CountRowsAsync());
        var after = new List<string>();
        foreach (var kind in kinds)
        {
            after.Add(await a.SnapshotAsync(kind));
        }

        Assert.Equal(before, after);
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_at_all_is_a_415_problem()
    {
        var counts = await factory.CountRowsAsync();
        using var content = new StringContent("name=Ufficio", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await factory.A.Client.PostAsync("/api/v1/offices", content);
        var problem = await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.NotNull(problem["detail"]);
        Assert.Equal(counts, await factory.CountRowsAsync());
    }

    [Theory]
    [InlineData("/api/v1/subscribers?status=Gone", "status")]
    [InlineData("/api/v1/subscribers?take=lots", "take")]
    [InlineData("/api/v1/subscribers?channelId=12", "channelId")]
    [InlineData("/api/v1/audit?skip=x", "skip")]
    public async Task Bad_query_parameters_are_a_400_problem_naming_the_parameter(string url, string parameter)
    {
        var problem = await factory.A.Client.SendProblemAsync(HttpMethod.Get, url, null, HttpStatusCode.BadRequest);
        Assert.Contains(parameter, problem.Text(), StringComparison.Ordinal);
    }
}
