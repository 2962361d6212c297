using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Audit;
using Piazza.Common;
using Piazza.Server.Hosting;
using Piazza.Server.Tests.Infrastructure;
using Piazza.Subscribers;
using Piazza.Subscribers.Import;
using Xunit;

namespace Piazza.Server.Tests.Api;

/// <summary>Importing a list kept by hand (POST /api/v1/channels/{id}/subscribers/import): the dry run's report of bad
/// and skipped rows, the file errors, a refused import that writes nothing, a clean one that writes every row with its
/// consent record, tenant isolation and permissions — and the console's check-then-import through the service.</summary>
public sealed class SubscriberImportApiTests(PiazzaFactory factory) : IClassFixture<PiazzaFactory>
{
    private const string Header = "phone,languages,topics,consent_date,source";

    /// <summary>An organization (it, zh) with a WhatsApp channel and three topics (one inactive); its client.</summary>
    private async Task<Setup> SetupAsync(string name)
    {
        var (orgId, client) = await factory.NewOrganizationClientAsync(ApiHttp.Unique(name));
        var channel = await client.PostJsonAsync("/api/v1/channels", new { kind = "WhatsApp", name = "WhatsEmpoli", isSandbox = true });
        var water = await client.PostJsonAsync("/api/v1/topics", new { key = "acqua", names = new Dictionary<string, string> { ["it"] = "Acqua", ["zh"] = "供水" } });
        var civil = await client.PostJsonAsync("/api/v1/topics", new { key = "protezione-civile", names = new Dictionary<string, string> { ["it"] = "Protezione civile", ["zh"] = "民防" } });
        var old = await client.PostJsonAsync("/api/v1/topics", new { key = "vecchio", names = new Dictionary<string, string> { ["it"] = "Argomento chiuso" }, isActive = false });
        return new Setup(orgId, client, channel.Id(), Guid.Parse(water.Id()), Guid.Parse(civil.Id()), Guid.Parse(old.Id()));
    }

    private static async Task<HttpResponseMessage> PostListAsync(
        HttpClient client, string channelId, string csv, bool dryRun, string? policyVersion = "informativa-2024-03", string? source = null,
        string fileName = "whatsempoli.csv", byte[]? bytes = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes ?? Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", fileName);
        if (policyVersion is not null)
        {
            form.Add(new StringContent(policyVersion), "policyVersion");
        }

        if (source is not null)
        {
            form.Add(new StringContent(source), "source");
        }

        return await client.PostAsync($"/api/v1/channels/{channelId}/subscribers/import?dryRun={(dryRun ? "true" : "false")}", form);
    }

    private static async Task<JsonNode> DryRunAsync(Setup s, string csv, byte[]? bytes = null)
    {
        using var response = await PostListAsync(s.Client, s.ChannelId, csv, dryRun: true, bytes: bytes);
        var report = (await response.JsonAsync(HttpStatusCode.OK))!;
        Assert.True((bool)report["dryRun"]!);
        Assert.Equal(0, (int)report["imported"]!);
        return report;
    }

    private static List<(int Row, string Column, string Message)> Problems(JsonNode report) =>
        report["problems"]!.Items().Select(p => ((int)p["row"]!, (string)p["column"]!, (string)p["message"]!)).ToList();

    private static string Csv(params string[] rows) => string.Join("\n", rows.Prepend(Header)) + "\n";

    [Fact]
    public async Task Import_dry_run_reports_numbers_not_in_E164_duplicates_unknown_topics_languages_and_bad_dates()
    {
        var s = await SetupAsync("Comune di Empoli");
        var before = await factory.CountRowsAsync();
        var future = DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var report = await DryRunAsync(s, Csv(
            "+393331234567,zh|it,acqua,2024-03-01,volantino",           // 2 good
            "3331234568,it,acqua,2024-03-01,",                           // 3 no country code
            "+39 333 123 4567,it,acqua,2024-03-02,",                     // 4 duplicate of row 2
            "+393331234569,fr,acqua,2024-03-01,",                        // 5 unknown language
            "+393331234570,it,meteo|acqua,2024-03-01,",                  // 6 unknown topic
            "+393331234571,it,acqua,31/02/2024,",                        // 7 bad date
            $"+393331234572,it,acqua,{future},",                         // 8 future date
            "+393331234573,it,vecchio,2024-03-01,",                      // 9 inactive topic
            "+393331234574,it,,2024-03-01,",                             // 10 no topic
            "+39333,it,acqua,,",                                         // 11 too short and no date
            "",                                                          // 12 empty line: not a row
            "+393331234575,it,Protezione civile|民防,2024-03-01,"));      // 13 good (names, twice the same topic)

        Assert.Equal(11, (int)report["rowsRead"]!);
        Assert.Equal(2, (int)report["toImport"]!);
        Assert.Equal(9, (int)report["badRows"]!);
        Assert.Equal(0, (int)report["skipped"]!);
        Assert.Equal(10, (int)report["problemCount"]!);
        Assert.Equal("whatsempoli.csv", (string?)report["fileName"]);
        var problems = Problems(report);
        Assert.Equal(
            [(3, "phone"), (4, "phone"), (5, "languages"), (6, "topics"), (7, "consent_date"), (8, "consent_date"), (9, "topics"), (10, "topics"), (11, "phone"), (11, "consent_date")],
            problems.Select(p => (p.Row, p.Column)));
        Assert.Equal(ImportMessages.PhoneNoCountryCode, problems[0].Message);
        Assert.Contains("country code", problems[0].Message, StringComparison.Ordinal);
        Assert.Equal("The same number as row 2: each number may appear only once.", problems[1].Message);
        Assert.Equal("\"fr\" is not one of the organization's languages (it, zh).", problems[2].Message);
        Assert.Equal("There is no topic \"meteo\": write a topic's key or name, and separate several topics with |.", problems[3].Message);
        Assert.Equal(ImportMessages.DateFormat, problems[4].Message);
        Assert.Equal(ImportMessages.DateFuture, problems[5].Message);
        Assert.Equal("The topic \"vecchio\" is inactive: citizens can no longer subscribe to it.", problems[6].Message);
        Assert.Equal(ImportMessages.TopicsRequired, problems[7].Message);
        Assert.Equal(ImportMessages.PhoneTooShort, problems[8].Message);
        Assert.Equal(ImportMessages.DateRequired, problems[9].Message);

        // A dry run writes nothing, not even an audit entry.
        Assert.Equal(before, await factory.CountRowsAsync());
    }

    [Fact]
    public async Task Import_skips_numbers_already_subscribed_and_never_resubscribes_people_who_left()
    {
        var s = await SetupAsync("Comune di Vinci");
        foreach (var address in new[] { "+393401111111", "+393402222222" })
        {
            await s.Client.PostJsonAsync("/api/v1/subscribers", new
            {
                channelId = s.ChannelId, address, languages = new[] { "it" }, topicIds = new[] { s.Water },
                consentEvidence = "ATTIVA ISCRIZIONE", policyVersion = "v1",
            });
        }

        var left = (await s.Client.GetJsonAsync($"/api/v1/subscribers?channelId={s.ChannelId}"))["items"]!.Items().Single(i => ((string)i["maskedAddress"]!).EndsWith("2222", StringComparison.Ordinal));
        await s.Client.PatchJsonAsync($"/api/v1/subscribers/{left.Id()}", new { status = "Left" });

        var csv = Csv("+393401111111,it,acqua,2024-03-01,", "+393402222222,zh,acqua,2024-03-01,", "+393403333333,it,acqua,2024-03-01,");
        var report = await DryRunAsync(s, csv);
        Assert.Equal(3, (int)report["rowsRead"]!);
        Assert.Equal(1, (int)report["toImport"]!);
        Assert.Equal(2, (int)report["skipped"]!);
        Assert.Equal(0, (int)report["badRows"]!);
        Assert.Empty(report["problems"]!.AsArray());
        Assert.Equal(
            [(2, ImportMessages.AlreadySubscribed), (3, ImportMessages.LeftBefore)],
            report["skippedRows"]!.Items().Select(r => ((int)r["row"]!, (string)r["message"]!)));

        using var response = await PostListAsync(s.Client, s.ChannelId, csv, dryRun: false);
        var done = (await response.JsonAsync(HttpStatusCode.OK))!;
        Assert.False((bool)done["dryRun"]!);
        Assert.Equal(1, (int)done["imported"]!);
        Assert.Equal(2, (int)done["skipped"]!);

        await using var db = factory.Database.CreateContext();
        var rows = await db.Subscribers.IgnoreQueryFilters().Where(x => x.ChannelId == Guid.Parse(s.ChannelId)).OrderBy(x => x.Address).ToListAsync();
        Assert.Equal(["+393401111111", "+393402222222", "+393403333333"], rows.Select(r => r.Address));
        Assert.Equal(SubscriberStatus.Left, rows[1].Status);
        Assert.Equal(ConsentMethod.Staff, rows[1].ConsentMethod);
        Assert.Equal("it", rows[1].Languages);
        Assert.Equal(ConsentMethod.Import, rows[2].ConsentMethod);
    }

    [Fact]
    public async Task Import_of_a_file_without_header_columns_an_empty_file_or_no_file_is_a_400_naming_the_problem()
    {
        var s = await SetupAsync("Comune di Cerreto Guidi");
        var before = await factory.CountRowsAsync();

        async Task<JsonObject> ProblemAsync(string csv, byte[]? bytes = null, string? policyVersion = "v1", bool dryRun = true)
        {
            using var response = await PostListAsync(s.Client, s.ChannelId, csv, dryRun, policyVersion, bytes: bytes);
            return await response.ProblemAsync(HttpStatusCode.BadRequest);
        }

        static string[] Errors(JsonObject problem, string field) => problem["errors"]![field]!.Items().Select(m => (string)m!).ToArray();

        Assert.Equal([ImportMessages.FileEmpty], Errors(await ProblemAsync(""), "file"));
        Assert.Equal([ImportMessages.FileEmpty], Errors(await ProblemAsync("", bytes: [0xEF, 0xBB, 0xBF, 0x0D, 0x0A]), "file"));
        Assert.Equal([ImportMessages.FileNoRows], Errors(await ProblemAsync(Header + "\n\n"), "file"));
        Assert.Equal([ImportMessages.HeaderRequired], Errors(await ProblemAsync("+393331234567,it,acqua,2024-03-01,\n"), "file"));

        var missing = await ProblemAsync("phone,languages,topics\n+393331234567,it,acqua\n");
        Assert.Equal([ImportMessages.HeaderMissingColumn], Errors(missing, "header.consent_date"));
        var unknown = await ProblemAsync("phone,languages,topics,consent_date,età\n+393331234567,it,acqua,2024-03-01,30\n");
        Assert.Equal([ImportMessages.HeaderUnknownColumn], Errors(unknown, "header.età"));
        var twice = await ProblemAsync("phone,languages,topics,consent_date,phone\n");
        Assert.Equal([ImportMessages.HeaderDuplicateColumn], Errors(twice, "header.phone"));

        Assert.Equal([ImportMessages.FileIsWorkbook], Errors(await ProblemAsync("", bytes: [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]), "file"));
        var tooLarge = new byte[ImportCsv.MaxBytes + 1];
        Array.Fill(tooLarge, (byte)'1');
        Assert.Equal([ImportMessages.FileTooLarge], Errors(await ProblemAsync("", bytes: tooLarge), "file"));
        var tooMany = new StringBuilder(Header).Append('\n');
        for (var i = 0; i <= ImportCsv.MaxRows; i++)
        {
            tooMany.Append("+3933").Append((10_000_000 + i).ToString(CultureInfo.InvariantCulture)).Append(",it,acqua,2024-03-01,\n");
        }

        Assert.Equal([ImportMessages.FileTooManyRows], Errors(await ProblemAsync(tooMany.ToString()), "file"));
        Assert.Equal([ImportMessages.PolicyVersionRequired], Errors(await ProblemAsync(Csv("+393331234567,it,acqua,2024-03-01,"), policyVersion: null, dryRun: false), "policyVersion"));

        // No file at all, no dryRun, or JSON instead of a form.
        using (var form = new MultipartFormDataContent { { new StringContent("v1"), "policyVersion" } })
        {
            using var noFile = await s.Client.PostAsync($"/api/v1/channels/{s.ChannelId}/subscribers/import?dryRun=true", form);
            Assert.Equal([ImportMessages.FileRequired], Errors(await noFile.ProblemAsync(HttpStatusCode.BadRequest), "file"));
        }

        using (var form = new MultipartFormDataContent { { new StringContent("v1"), "policyVersion" } })
        {
            using var noDryRun = await s.Client.PostAsync($"/api/v1/channels/{s.ChannelId}/subscribers/import", form);
            Assert.Contains("dryRun", (string?)(await noDryRun.ProblemAsync(HttpStatusCode.BadRequest))["detail"], StringComparison.Ordinal);
        }

        var json = await s.Client.SendProblemAsync(HttpMethod.Post, $"/api/v1/channels/{s.ChannelId}/subscribers/import?dryRun=true", new { phone = "+393331234567" }, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("multipart/form-data", (string?)json["detail"], StringComparison.Ordinal);

        Assert.Equal(before, await factory.CountRowsAsync());
    }

    [Fact]
    public async Task Import_reads_a_semicolon_separated_file_with_BOM_Italian_dates_and_topic_names_in_any_language()
    {
        var s = await SetupAsync("Comune di Montelupo Fiorentino");
        // As Excel saves "CSV UTF-8" in Italy: BOM, semicolons, CRLF, day-first dates, a header in another order.
        const string Text = "\uFEFFConsent date;Phone;Topics;Languages;Source\r\n"
            + "01/03/2024;+39 333 765 4321;Acqua|民防;zh it;mercato del giovedì\r\n"
            + "15/01/2024;+393337654322;*;;\r\n"
            + "2024-02-29;+393337654323;\"protezione civile\";\"zh;it\";\r\n"
            + ";;;;\r\n";
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Text.TrimStart('\uFEFF'))).ToArray();
        var report = await DryRunAsync(s, string.Empty, bytes);
        Assert.True(report["problems"]!.AsArray().Count == 0, report.Text());
        Assert.Equal(3, (int)report["rowsRead"]!);
        Assert.Equal(3, (int)report["toImport"]!);

        using var response = await PostListAsync(s.Client, s.ChannelId, string.Empty, dryRun: false, source: "Lista WhatsEmpoli", bytes: bytes);
        Assert.Equal(3, (int)(await response.JsonAsync(HttpStatusCode.OK))!["imported"]!);

        await using var db = factory.Database.CreateContext();
        var rows = await db.Subscribers.IgnoreQueryFilters().Include(x => x.Topics).Where(x => x.ChannelId == Guid.Parse(s.ChannelId)).OrderBy(x => x.Address).ToListAsync();
        Assert.Equal(["+393337654321", "+393337654322", "+393337654323"], rows.Select(r => r.Address));
        Assert.Equal("zh,it", rows[0].Languages);
        Assert.Equal(new[] { s.Civil, s.Water }.Order(), rows[0].Topics.Select(t => t.TopicId).Order());
        Assert.Equal("mercato del giovedì", rows[0].Source);
        Assert.Equal(new DateTime(2024, 2, 29, 23, 0, 0, DateTimeKind.Utc), rows[0].ConsentAt);
        Assert.Equal("it", rows[1].Languages); // empty: the organization's first language
        Assert.Equal("Lista WhatsEmpoli", rows[1].Source); // empty: the form's source
        Assert.Equal(new[] { s.Civil, s.Water }.Order(), rows[1].Topics.Select(t => t.TopicId).Order()); // *: every active topic, not the inactive one
        Assert.Equal(new DateTime(2024, 1, 14, 23, 0, 0, DateTimeKind.Utc), rows[1].ConsentAt);
        Assert.Equal("zh,it", rows[2].Languages);
        Assert.Equal([s.Civil], rows[2].Topics.Select(t => t.TopicId));
    }

    [Fact]
    public async Task Import_with_a_bad_row_is_refused_with_the_rows_named_and_writes_nothing()
    {
        var s = await SetupAsync("Comune di Capraia e Limite");
        var before = await factory.CountRowsAsync();
        using var response = await PostListAsync(s.Client, s.ChannelId, Csv(
            "+393331000001,it,acqua,2024-03-01,",
            "3331000002,it,acqua,2024-03-01,",
            "+393331000003,it,acqua,2024-03-01,",
            "+393331000001,it,nessuno,2024-03-01,"), dryRun: false);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["file", "rows[3].phone", "rows[5].phone", "rows[5].topics"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(ImportMessages.Refused, (string?)errors["file"]![0]);
        Assert.Equal("The same number as row 2: each number may appear only once.", (string?)errors["rows[5].phone"]![0]);
        var report = problem["report"]!;
        Assert.False((bool)report["dryRun"]!);
        Assert.Equal(2, (int)report["badRows"]!);
        Assert.Equal(0, (int)report["imported"]!);
        Assert.Equal(3, report["problems"]!.AsArray().Count);
        Assert.Equal(before, await factory.CountRowsAsync());
    }

    [Fact]
    public async Task Import_of_a_clean_list_writes_every_row_with_its_consent_record_and_one_audit_entry()
    {
        var s = await SetupAsync("Comune di Fucecchio");
        var before = await factory.CountRowsAsync();
        using var response = await PostListAsync(s.Client, s.ChannelId, Csv(
            "+393332000001,zh|it,acqua|protezione-civile,2024-03-01,volantino",
            "+393332000002,it,Acqua,2023-12-24 18:30,",
            "+8613812345678,zh,供水,2024-05-05T08:00:00Z,comunità cinese"), dryRun: false, source: "Lista WhatsEmpoli 2024", fileName: "C:\\fakepath\\lista whatsempoli.csv");
        var report = (await response.JsonAsync(HttpStatusCode.OK))!;
        Assert.Equal(3, (int)report["imported"]!);
        Assert.Equal(3, (int)report["toImport"]!);
        Assert.Equal("lista whatsempoli.csv", (string?)report["fileName"]);

        var after = await factory.CountRowsAsync();
        Assert.Equal(before["subscribers"] + 3, after["subscribers"]);
        Assert.Equal(before["subscriber_topics"] + 4, after["subscriber_topics"]);
        Assert.Equal(before["audit_entries"] + 1, after["audit_entries"]);

        await using var db = factory.Database.CreateContext();
        var rows = await db.Subscribers.IgnoreQueryFilters().Include(x => x.Topics).Where(x => x.ChannelId == Guid.Parse(s.ChannelId)).OrderBy(x => x.Id).ToListAsync();
        Assert.Equal(["+393332000001", "+393332000002", "+8613812345678"], rows.Select(r => r.Address));
        Assert.All(rows, r =>
        {
            Assert.Equal(s.OrganizationId, r.OrganizationId);
            Assert.Equal(SubscriberStatus.Active, r.Status);
            Assert.Equal(ConsentMethod.Import, r.ConsentMethod);
            Assert.Equal("informativa-2024-03", r.PolicyVersion);
            Assert.True(r.SubscribedAt > DateTime.UtcNow.AddMinutes(-5));
        });
        Assert.Equal(new DateTime(2024, 2, 29, 23, 0, 0, DateTimeKind.Utc), rows[0].ConsentAt);
        Assert.Equal(new DateTime(2023, 12, 24, 17, 30, 0, DateTimeKind.Utc), rows[1].ConsentAt);
        Assert.Equal(new DateTime(2024, 5, 5, 8, 0, 0, DateTimeKind.Utc), rows[2].ConsentAt);
        Assert.Equal("Imported from the list \"lista whatsempoli.csv\", row 2", rows[0].ConsentEvidence);
        Assert.Equal("Imported from the list \"lista whatsempoli.csv\", row 4", rows[2].ConsentEvidence);
        Assert.Equal(["volantino", "Lista WhatsEmpoli 2024", "comunità cinese"], rows.Select(r => r.Source));
        Assert.Equal(["zh,it", "it", "zh"], rows.Select(r => r.Languages));
        Assert.Equal(["zh", "it", "zh"], rows.Select(r => r.Language));
        Assert.Equal(new[] { s.Civil, s.Water }.Order(), rows[0].Topics.Select(t => t.TopicId).Order());
        Assert.Equal([s.Water], rows[1].Topics.Select(t => t.TopicId));
        Assert.Equal([s.Water], rows[2].Topics.Select(t => t.TopicId));

        // The API shows them like any other subscriber.
        var listed = await s.Client.GetJsonAsync($"/api/v1/subscribers?channelId={s.ChannelId}");
        Assert.Equal(3, (int)listed["total"]!);
        Assert.All(listed["items"]!.Items(), i => Assert.Equal("Import", (string?)i["consent"]!["method"]));

        // One audit entry: the counts and the file, never a number.
        var audit = (await s.Client.GetJsonAsync($"/api/v1/audit?objectType=channel&objectId={s.ChannelId}")).Items().Where(a => (string?)a["action"] == "subscribers.imported").ToList();
        var entry = Assert.Single(audit);
        var detail = (string)entry["detail"]!;
        Assert.Contains("lista whatsempoli.csv", detail, StringComparison.Ordinal);
        Assert.Contains("3 subscribers imported", detail, StringComparison.Ordinal);
        Assert.Contains("0 skipped", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("+39", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("2000001", detail, StringComparison.Ordinal);
        Assert.Equal("ApiKey", (string?)entry["actorKind"]);
    }

    [Fact]
    public async Task Import_into_another_organizations_channel_is_404_and_into_a_channel_without_phone_numbers_400()
    {
        var a = await SetupAsync("Comune di Certaldo");
        var (_, other) = await factory.NewOrganizationClientAsync(ApiHttp.Unique("Comune di Gambassi Terme"));
        var before = await factory.CountRowsAsync();
        var csv = Csv("+393333000001,it,acqua,2024-03-01,");
        foreach (var dryRun in new[] { true, false })
        {
            using var response = await PostListAsync(other, a.ChannelId, csv, dryRun);
            await response.ProblemAsync(HttpStatusCode.NotFound);
            using var missing = await PostListAsync(a.Client, Guid.NewGuid().ToString(), csv, dryRun);
            await missing.ProblemAsync(HttpStatusCode.NotFound);
        }

        var telegram = await a.Client.PostJsonAsync("/api/v1/channels", new { kind = "Telegram", name = "Telegram Certaldo", isSandbox = true, settings = new Dictionary<string, string> { ["botUsername"] = "certaldo_bot" } });
        before = await factory.CountRowsAsync();
        using var wrongKind = await PostListAsync(a.Client, telegram.Id(), csv, dryRun: true);
        var problem = await wrongKind.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(ImportMessages.ChannelNotPhone, (string?)problem["errors"]!["channelId"]![0]);
        Assert.Equal(before, await factory.CountRowsAsync());
    }

    [Fact]
    public async Task Import_needs_the_subscribers_write_permission()
    {
        var s = await SetupAsync("Comune di Castelfiorentino");
        var reader = factory.ClientWithKey(await factory.CreateApiKeyAsync(s.OrganizationId, "subscribers:read channels:read"));
        foreach (var dryRun in new[] { true, false })
        {
            using var response = await PostListAsync(reader, s.ChannelId, Csv("+393334000001,it,acqua,2024-03-01,"), dryRun);
            await response.ProblemAsync(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task Import_of_ten_thousand_rows_writes_them_all_in_one_go()
    {
        var s = await SetupAsync("Comune di Montespertoli");
        var csv = new StringBuilder("phone;languages;topics;consent_date;source\n");
        for (var i = 0; i < 10_000; i++)
        {
            csv.Append("+39340").Append((5_000_000 + i).ToString(CultureInfo.InvariantCulture)).Append(i % 3 == 0 ? ";zh|it;acqua|protezione-civile;" : ";it;acqua;")
               .Append("01/03/2024;lista\n");
        }

        // How fast is not measured here (machines are noisy): only that a list this size goes through whole.
        var text = csv.ToString();
        var report = await DryRunAsync(s, text);
        Assert.Equal(10_000, (int)report["toImport"]!);
        using var response = await PostListAsync(s.Client, s.ChannelId, text, dryRun: false);
        var done = (await response.JsonAsync(HttpStatusCode.OK))!;
        Assert.Equal(10_000, (int)done["imported"]!);

        await using var db = factory.Database.CreateContext();
        var channelId = Guid.Parse(s.ChannelId);
        Assert.Equal(10_000, await db.Subscribers.IgnoreQueryFilters().CountAsync(x => x.ChannelId == channelId));
        Assert.Equal(10_000 + 3334, await db.SubscriberTopics.IgnoreQueryFilters().CountAsync(t => t.OrganizationId == s.OrganizationId));

        // Checking it again: everyone is on the channel now.
        var again = await DryRunAsync(s, text);
        Assert.Equal(0, (int)again["toImport"]!);
        Assert.Equal(10_000, (int)again["skipped"]!);
        Assert.Equal(SubscriberImportService.MaxListed, again["skippedRows"]!.AsArray().Count);
    }

    [Fact]
    public async Task Import_of_a_kept_list_is_done_once_and_only_by_who_checked_it()
    {
        var s = await SetupAsync("Comune di Lastra a Signa");
        var csv = Encoding.UTF8.GetBytes(Csv("+393335000001,it,acqua,2024-03-01,", "+393335000002,zh,供水,2024-03-01,"));
        var editor = new TestActor("user-1");

        Guid keptId;
        await using (var scope = ActorOverride.ForOrganization(factory.Services, s.OrganizationId, editor))
        {
            var import = scope.ServiceProvider.GetRequiredService<SubscriberImportService>();
            var check = await import.CheckAndKeepAsync(Guid.Parse(s.ChannelId), new SubscriberImportInput("v2", "sportello", "lista.csv"), new MemoryStream(csv), CancellationToken.None);
            Assert.True(check.Report.IsClean);
            Assert.Equal(2, check.Report.ToImport);
            keptId = check.KeptId ?? throw new InvalidOperationException("a clean list is kept");

            // A bad list is reported, not kept.
            var bad = await import.CheckAndKeepAsync(Guid.Parse(s.ChannelId), new SubscriberImportInput("v2", null, "bad.csv"), new MemoryStream(Encoding.UTF8.GetBytes(Csv("3335000003,it,acqua,2024-03-01,"))), CancellationToken.None);
            Assert.Null(bad.KeptId);
            Assert.Equal(1, bad.Report.BadRows);
        }

        await using (var db = factory.Database.CreateContext())
        {
            var kept = await db.SubscriberImportFiles.IgnoreQueryFilters().SingleAsync(f => f.OrganizationId == s.OrganizationId);
            Assert.Equal(keptId, kept.Id);
            Assert.Equal("user-1", kept.CreatedBy);
            Assert.True(kept.ExpiresAt <= DateTime.UtcNow.AddMinutes(31));
        }

        // Someone else cannot import it.
        await using (var scope = ActorOverride.ForOrganization(factory.Services, s.OrganizationId, new TestActor("user-2")))
        {
            var e = await Assert.ThrowsAsync<ValidationFailedException>(() => scope.ServiceProvider.GetRequiredService<SubscriberImportService>().ImportKeptAsync(keptId, CancellationToken.None));
            Assert.Equal([ImportMessages.KeptExpired], e.Errors["file"]);
        }

        await using (var scope = ActorOverride.ForOrganization(factory.Services, s.OrganizationId, editor))
        {
            var import = scope.ServiceProvider.GetRequiredService<SubscriberImportService>();
            var done = await import.ImportKeptAsync(keptId, CancellationToken.None);
            Assert.Equal(2, done.Imported);
            await Assert.ThrowsAsync<ValidationFailedException>(() => import.ImportKeptAsync(keptId, CancellationToken.None));
        }

        await using (var db = factory.Database.CreateContext())
        {
            Assert.False(await db.SubscriberImportFiles.IgnoreQueryFilters().AnyAsync(f => f.OrganizationId == s.OrganizationId));
            var rows = await db.Subscribers.IgnoreQueryFilters().Where(x => x.OrganizationId == s.OrganizationId).OrderBy(x => x.Address).ToListAsync();
            Assert.Equal(["sportello", "sportello"], rows.Select(r => r.Source));
            Assert.Equal(["v2", "v2"], rows.Select(r => r.PolicyVersion));
        }

        // Lists whose time is over are deleted, in every organization.
        await using (var scope = ActorOverride.ForOrganization(factory.Services, s.OrganizationId, editor))
        {
            var import = scope.ServiceProvider.GetRequiredService<SubscriberImportService>();
            var check = await import.CheckAndKeepAsync(Guid.Parse(s.ChannelId), new SubscriberImportInput("v2", null, "late.csv"), new MemoryStream(Encoding.UTF8.GetBytes(Csv("+393335000009,it,acqua,2024-03-01,"))), CancellationToken.None);
            Assert.NotNull(check.KeptId);
            var db = scope.ServiceProvider.GetRequiredService<Piazza.Data.PiazzaDb>();
            Assert.Equal(0, await SubscriberImportService.DeleteExpiredAsync(db, DateTime.UtcNow, CancellationToken.None));
            Assert.Equal(1, await SubscriberImportService.DeleteExpiredAsync(db, DateTime.UtcNow + SubscriberImportService.KeepFor + TimeSpan.FromMinutes(1), CancellationToken.None));
            var e = await Assert.ThrowsAsync<ValidationFailedException>(() => import.ImportKeptAsync(check.KeptId!.Value, CancellationToken.None));
            Assert.Equal([ImportMessages.KeptExpired], e.Errors["file"]);
        }
    }

    private sealed record Setup(Guid OrganizationId, HttpClient Client, string ChannelId, Guid Water, Guid Civil, Guid Inactive);

    /// <summary>A staff member with every permission.</summary>
    private sealed class TestActor(string id) : IActor
    {
        public ActorKind Kind => ActorKind.User;

        public string? Id => id;

        public string Name => id + "@test.example";

        public string? RemoteIp => null;

        public Guid? UserId => null;

        public bool HasScope(string scope) => true;
    }
}
