using System.Data.Common;
using System.Globalization;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Piazza.Audit;
using Piazza.Broadcast;
using static Piazza.Broadcast.DeliveryStore;
using Piazza.Channels;
using Piazza.Common;
using Piazza.Data;

namespace Piazza.Subscribers.Import;

/// <summary>
/// Imports a broadcast list a municipality kept before Piazza (a CSV file: phone, languages, topics, consent date and
/// source) into a channel whose subscribers are phone numbers. A check (dry run) reads the whole file and reports every
/// bad row — numbers not in E.164, numbers listed twice, unknown languages or topics, bad consent dates — and the
/// numbers already on the channel, which are skipped (someone who left is never subscribed again by an import). The
/// import checks again and writes nothing unless every row is good; then it writes all the new subscribers in one
/// transaction, each with its consent record (method Import, the file's consent date, the file and row as evidence,
/// the privacy notice version given with the file), and one audit entry with the counts.
/// </summary>
/// <remarks>The file format is described by <see cref="ImportCsv"/>.</remarks>
public sealed class SubscriberImportService(ServiceContext ctx, SqliteWriteGate gate)
{
    /// <summary>Problems and skipped rows listed in a report (the counts are always complete).</summary>
    public const int MaxListed = 200;

    /// <summary>How long the console keeps a checked list for its import.</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(30);

    private const int LookupBatch = 500;
    private const int PostgresBatch = 10_000;

    /// <summary>Whether a channel's subscribers are phone numbers, the only lists that can be imported.</summary>
    public static bool TakesPhoneNumbers(ChannelKind kind) => kind == ChannelKind.WhatsApp;

    /// <summary>Checks a list without writing anything.</summary>
    public async Task<SubscriberImportReport> CheckAsync(Guid? channelId, SubscriberImportInput input, Stream? file, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersWrite);
        var plan = await PrepareAsync(channelId, input, await ReadAsync(file, ct), ct);
        return plan.Report(dryRun: true, imported: 0);
    }

    /// <summary>Imports a list: refused with <see cref="SubscriberImportRefusedException"/> (nothing written) when a row is bad.</summary>
    public async Task<SubscriberImportReport> ImportAsync(Guid? channelId, SubscriberImportInput input, Stream? file, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersWrite);
        var plan = await PrepareAsync(channelId, input, await ReadAsync(file, ct), ct);
        return await WriteAsync(plan, keptId: null, ct);
    }

    /// <summary>Checks a list and, when it is clean and has someone to import, keeps it on the server for
    /// <see cref="KeepFor"/>, so that <see cref="ImportKeptAsync"/> imports exactly what was checked.</summary>
    public async Task<KeptImportCheck> CheckAndKeepAsync(Guid? channelId, SubscriberImportInput input, Stream? file, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersWrite);
        var plan = await PrepareAsync(channelId, input, await ReadAsync(file, ct), ct);
        var report = plan.Report(dryRun: true, imported: 0);
        if (!report.IsClean || report.ToImport == 0)
        {
            return new KeptImportCheck(report, null);
        }

        // One kept list per person (a new check replaces the last one), and none past its time.
        var actor = ctx.Actor.Id;
        await ctx.Db.SubscriberImportFiles.Where(f => f.CreatedBy == actor).ExecuteDeleteAsync(ct);
        await DeleteExpiredAsync(ctx.Db, ctx.Now, ct);
        var kept = new SubscriberImportFile
        {
            Id = Guid.NewGuid(),
            ChannelId = plan.ChannelId,
            FileName = plan.FileName,
            PolicyVersion = plan.PolicyVersion,
            Source = plan.FormSource,
            Content = plan.Content,
            CreatedBy = actor,
            CreatedAt = ctx.Now,
            ExpiresAt = ctx.Now + KeepFor,
        };
        ctx.Db.SubscriberImportFiles.Add(kept);
        await ctx.Db.SaveChangesAsync(ct);
        return new KeptImportCheck(report, kept.Id);
    }

    /// <summary>Imports a list kept by <see cref="CheckAndKeepAsync"/> (by the same person, within <see cref="KeepFor"/>),
    /// checking it again first; the kept file is deleted in the same transaction.</summary>
    public async Task<SubscriberImportReport> ImportKeptAsync(Guid keptId, CancellationToken ct)
    {
        ctx.Require(Scopes.SubscribersWrite);
        var now = ctx.Now;
        var actor = ctx.Actor.Id;
        var kept = await ctx.Db.SubscriberImportFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == keptId && f.ExpiresAt > now && f.CreatedBy == actor, ct)
            ?? throw ValidationFailedException.For("file", ImportMessages.KeptExpired);
        var plan = await PrepareAsync(kept.ChannelId, new SubscriberImportInput(kept.PolicyVersion, kept.Source, kept.FileName), new Upload(kept.Content, false), ct);
        return await WriteAsync(plan, kept.Id, ct);
    }

    /// <summary>Deletes the kept lists whose time is over, in every organization.</summary>
    public static Task<int> DeleteExpiredAsync(PiazzaDb db, DateTime now, CancellationToken ct) =>
        db.SubscriberImportFiles.IgnoreQueryFilters().Where(f => f.ExpiresAt <= now).ExecuteDeleteAsync(ct);

    /// <summary>A CSV template: the header and two example rows with the organization's first topics, separated by
    /// semicolons and with a BOM, so that Excel set to Italian opens it in columns and with its accents.</summary>
    public async Task<byte[]> TemplateAsync(CancellationToken ct)
    {
        ctx.Require(Scopes.TopicsRead);
        var keys = await ctx.Db.Topics.AsNoTracking().Where(t => t.IsActive).OrderBy(t => t.Key).Select(t => t.Key).Take(2).ToListAsync(ct);
        var languages = await ctx.Db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
        var topics = keys.Count == 0 ? ImportCsv.AllTopics : string.Join('|', keys);
        var text = string.Join("\r\n",
            string.Join(';', ImportCsv.Columns),
            $"+393331234567;{string.Join('|', languages.AsEnumerable().Reverse())};{topics};2024-03-01;volantino mercato",
            $"+393471234567;{languages.FirstOrDefault() ?? "it"};{ImportCsv.AllTopics};15/01/2024;",
            string.Empty);
        return [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(text)];
    }

    private static async Task<Upload> ReadAsync(Stream? file, CancellationToken ct)
    {
        if (file is null)
        {
            return new Upload(null, false);
        }

        using var memory = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await file.ReadAsync(buffer, ct)) > 0)
        {
            memory.Write(buffer, 0, read);
            if (memory.Length > ImportCsv.MaxBytes)
            {
                return new Upload(null, true);
            }
        }

        return new Upload(memory.ToArray(), false);
    }

    /// <summary>Checks the form and the file and works out what the import writes.</summary>
    private async Task<Plan> PrepareAsync(Guid? channelId, SubscriberImportInput input, Upload upload, CancellationToken ct)
    {
        var v = new Validation();
        var channel = channelId is { } id
            ? await ctx.Db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException("channel", id.ToString())
            : null;
        if (channel is null)
        {
            v.Add("channelId", ImportMessages.ChannelRequired);
        }
        else if (!TakesPhoneNumbers(channel.Kind))
        {
            v.Add("channelId", ImportMessages.ChannelNotPhone);
        }

        var policyVersion = Rules.Clean(input.PolicyVersion);
        var source = Rules.Clean(input.Source);
        v.When(string.IsNullOrEmpty(policyVersion), "policyVersion", ImportMessages.PolicyVersionRequired)
         .When(policyVersion is { Length: > 60 }, "policyVersion", ImportMessages.PolicyVersionTooLong)
         .When(source is { Length: > 200 }, "source", ImportMessages.SourceFieldTooLong)
         .When(upload.TooLarge, "file", ImportMessages.FileTooLarge)
         .When(!upload.TooLarge && upload.Content is null, "file", ImportMessages.FileRequired);
        v.ThrowIfInvalid();

        var plan = new Plan
        {
            ChannelId = channel!.Id,
            ChannelKind = channel.Kind,
            FileName = CleanFileName(input.FileName),
            PolicyVersion = policyVersion!,
            FormSource = string.IsNullOrEmpty(source) ? null : source,
            Content = upload.Content!,
        };
        var context = await LoadContextAsync(ct);
        ReadRows(plan, context);
        await SkipSubscribedAsync(plan, ct);
        return plan;
    }

    /// <summary>Reads every row of the file, checking each cell; throws for a file that cannot be read at all.</summary>
    private void ReadRows(Plan plan, OrganizationData org)
    {
        if (ImportCsv.IsZip(plan.Content))
        {
            throw ValidationFailedException.For("file", ImportMessages.FileIsWorkbook);
        }

        var text = ImportCsv.Decode(plan.Content);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw ValidationFailedException.For("file", ImportMessages.FileEmpty);
        }

        var options = CsvReaderOptions.Default with
        {
            Separator = ImportCsv.DetectDelimiter(text),
            HasHeader = false, // read here, to name what is wrong with it
            AllowLineBreaksInQuotes = false, // one stray quote must not swallow the rest of the file
            TrackLineNumbers = true, // the row numbers of the report are the file's lines, as a spreadsheet numbers them
            DetectSeparatorHint = false,
        };
        try
        {
            using var reader = CsvReader.FromText(text, options);
            Dictionary<string, int>? columns = null;
            var width = 0;
            var firstRowOf = new Dictionary<string, int>(StringComparer.Ordinal);
            while (reader.Read())
            {
                var cells = reader.Current.ToArray();
                if (columns is null)
                {
                    columns = ReadHeader(cells);
                    width = cells.Length;
                    continue;
                }

                if (cells.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }

                if (++plan.RowsRead > ImportCsv.MaxRows)
                {
                    throw ValidationFailedException.For("file", ImportMessages.FileTooManyRows);
                }

                ReadRow(plan, org, checked((int)reader.LineNumber), cells, columns, width, firstRowOf);
            }

            if (columns is null)
            {
                throw ValidationFailedException.For("file", ImportMessages.FileEmpty);
            }
        }
        catch (CsvFormatException)
        {
            throw ValidationFailedException.For("file", ImportMessages.FileNotCsv);
        }

        if (plan.RowsRead == 0)
        {
            throw ValidationFailedException.For("file", ImportMessages.FileNoRows);
        }
    }

    /// <summary>The columns of the header row, by name. Missing, unknown and repeated columns are errors named
    /// <c>header.{column}</c>; a row that names no column at all is not a header.</summary>
    private static Dictionary<string, int> ReadHeader(string[] cells)
    {
        var names = cells.Select(ImportCsv.ColumnName).ToList();
        if (!names.Any(n => ImportCsv.Columns.Contains(n, StringComparer.Ordinal)))
        {
            throw ValidationFailedException.For("file", ImportMessages.HeaderRequired);
        }

        var v = new Validation();
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (name.Length == 0)
            {
                continue; // a trailing separator: an unnamed, ignored column
            }

            if (!ImportCsv.Columns.Contains(name, StringComparer.Ordinal))
            {
                v.Add("header." + (name.Length > 40 ? name[..40] : name), ImportMessages.HeaderUnknownColumn);
            }
            else if (!columns.TryAdd(name, i))
            {
                v.Add("header." + name, ImportMessages.HeaderDuplicateColumn);
            }
        }

        foreach (var required in ImportCsv.RequiredColumns.Where(c => !columns.ContainsKey(c)))
        {
            v.Add("header." + required, ImportMessages.HeaderMissingColumn);
        }

        v.ThrowIfInvalid();
        return columns;
    }

    private void ReadRow(Plan plan, OrganizationData org, int row, string[] cells, Dictionary<string, int> columns, int width, Dictionary<string, int> firstRowOf)
    {
        var bad = false;
        void Problem(string column, string template, params string[] args)
        {
            plan.AddProblem(ImportRowMessage.Of(row, column, template, args));
            bad = true;
        }

        // Fewer cells than the header: the missing ones are empty (tools drop trailing empty cells). More: the
        // separator is probably inside a cell without quotes, unless the extra cells are empty.
        if (cells.Length > width && cells.Skip(width).Any(c => !string.IsNullOrWhiteSpace(c)))
        {
            Problem("row", ImportMessages.RowCells, cells.Length.ToString(CultureInfo.InvariantCulture), width.ToString(CultureInfo.InvariantCulture));
        }

        string Cell(string column) => columns.TryGetValue(column, out var i) && i < cells.Length ? cells[i].Trim() : string.Empty;

        var phone = ImportCsv.CheckPhone(Cell(ImportCsv.Phone));
        string? number = null;
        if (phone.Problem is not null)
        {
            Problem(ImportCsv.Phone, phone.Problem, phone.Arguments);
        }
        else if (SubscriberService.AddressProblem(plan.ChannelKind, phone.Number!) is { } problem)
        {
            Problem(ImportCsv.Phone, problem);
        }
        else if (firstRowOf.TryGetValue(phone.Number!, out var first))
        {
            Problem(ImportCsv.Phone, ImportMessages.Duplicate, first.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            number = phone.Number!;
            firstRowOf[number] = row;
        }

        var languages = new List<string>();
        foreach (var token in ImportCsv.SplitLanguages(Cell(ImportCsv.Languages)))
        {
            var tag = Rules.NormalizeLanguageTag(token);
            if (!org.Languages.Contains(tag, StringComparer.Ordinal))
            {
                Problem(ImportCsv.Languages, ImportMessages.LanguageUnknown, token, string.Join(", ", org.Languages));
            }
            else if (!languages.Contains(tag, StringComparer.Ordinal))
            {
                languages.Add(tag);
            }
        }

        if (languages.Count == 0)
        {
            languages.Add(org.Languages.Count > 0 ? org.Languages[0] : "it"); // an empty cell: the organization's main language
        }

        var topics = new List<Guid>();
        var topicCell = Cell(ImportCsv.Topics);
        var topicTexts = ImportCsv.SplitTopics(topicCell);
        if (topicTexts.Count == 0)
        {
            Problem(ImportCsv.Topics, ImportMessages.TopicsRequired);
        }

        foreach (var text in topicTexts)
        {
            if (text == ImportCsv.AllTopics)
            {
                topics.AddRange(org.ActiveTopics.Where(t => !topics.Contains(t)));
            }
            else if (!org.TopicsByText.TryGetValue(ImportCsv.TopicText(text), out var found))
            {
                Problem(ImportCsv.Topics, ImportMessages.TopicUnknown, text);
            }
            else if (found.Count > 1)
            {
                Problem(ImportCsv.Topics, ImportMessages.TopicAmbiguous, text);
            }
            else if (!org.ActiveTopics.Contains(found[0]))
            {
                Problem(ImportCsv.Topics, ImportMessages.TopicInactive, text);
            }
            else if (!topics.Contains(found[0]))
            {
                topics.Add(found[0]);
            }
        }

        var dateCell = Cell(ImportCsv.ConsentDate);
        var consentAt = default(DateTime);
        if (dateCell.Length == 0)
        {
            Problem(ImportCsv.ConsentDate, ImportMessages.DateRequired);
        }
        else if (!ImportCsv.TryParseDate(dateCell, org.TimeZone, out consentAt))
        {
            Problem(ImportCsv.ConsentDate, ImportMessages.DateFormat);
        }
        else if (consentAt > ctx.Now.AddMinutes(5))
        {
            Problem(ImportCsv.ConsentDate, ImportMessages.DateFuture);
        }
        else if (consentAt.Year < 2000)
        {
            Problem(ImportCsv.ConsentDate, ImportMessages.DateTooOld);
        }

        var source = Rules.Clean(Cell(ImportCsv.Source));
        if (source is { Length: > 200 })
        {
            Problem(ImportCsv.Source, ImportMessages.SourceTooLong);
        }

        if (bad)
        {
            plan.BadRows.Add(row);
            return;
        }

        plan.ToWrite.Add(new NewSubscriber(row, number!, languages, topics, consentAt, string.IsNullOrEmpty(source) ? plan.FormSource : source));
    }

    /// <summary>Numbers already on the channel are skipped, whether the person is subscribed or left.</summary>
    private async Task SkipSubscribedAsync(Plan plan, CancellationToken ct)
    {
        var existing = new Dictionary<string, SubscriberStatus>(StringComparer.Ordinal);
        foreach (var batch in plan.ToWrite.Select(n => n.Phone).Chunk(LookupBatch))
        {
            var found = await ctx.Db.Subscribers.AsNoTracking()
                .Where(s => s.ChannelId == plan.ChannelId && batch.Contains(s.Address))
                .Select(s => new { s.Address, s.Status })
                .ToListAsync(ct);
            foreach (var s in found)
            {
                existing[s.Address] = s.Status;
            }
        }

        if (existing.Count == 0)
        {
            return;
        }

        plan.ToWrite.RemoveAll(n =>
        {
            if (!existing.TryGetValue(n.Phone, out var status))
            {
                return false;
            }

            plan.AddSkipped(ImportRowMessage.Of(n.Row, ImportCsv.Phone, status == SubscriberStatus.Left ? ImportMessages.LeftBefore : ImportMessages.AlreadySubscribed));
            return true;
        });
    }

    /// <summary>Writes every new subscriber in one transaction, and one audit entry. The rows go in set-based on
    /// PostgreSQL (<c>INSERT … SELECT FROM unnest(…)</c>, ten thousand rows a statement) and through one prepared
    /// statement on SQLite (in-process, where a statement costs microseconds): 10,000 subscribers take well under a
    /// second, where the change tracker took seconds.</summary>
    private async Task<SubscriberImportReport> WriteAsync(Plan plan, Guid? keptId, CancellationToken ct)
    {
        var refused = plan.Report(dryRun: false, imported: 0);
        if (!refused.IsClean)
        {
            throw new SubscriberImportRefusedException(refused);
        }

        var postgres = ctx.Db.Database.IsNpgsql();
        using var entered = await gate.EnterAsync(!postgres, ct);
        await using var tx = await ctx.Db.Database.BeginTransactionAsync(ct);
        try
        {
            var store = new DeliveryStore(ctx.Db);
            var ids = await InsertSubscribersAsync(plan, store, ct);
            await InsertTopicsAsync(plan, ids, store, ct);
            if (keptId is { } id)
            {
                await ctx.Db.SubscriberImportFiles.Where(f => f.Id == id).ExecuteDeleteAsync(ct);
            }

            // The counts and the file, never the numbers.
            ctx.Audit.Record("subscribers.imported", "channel", plan.ChannelId.ToString(), string.Create(CultureInfo.InvariantCulture,
                $"List \"{plan.FileName}\": {plan.ToWrite.Count} subscribers imported, {plan.SkippedCount} skipped (already on the channel), {plan.RowsRead} rows read; privacy notice {plan.PolicyVersion}"));
            await ctx.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbException e) when (IsConstraintViolation(e))
        {
            // Someone subscribed one of the numbers, or a topic was deleted, since the check: nothing is kept.
            throw new ConflictException(ImportMessages.Conflict);
        }

        return plan.Report(dryRun: false, imported: plan.ToWrite.Count);
    }

    private const string SubscriberColumns =
        "organization_id, channel_id, address, languages, language, status, subscribed_at, consent_at, consent_method, consent_evidence, policy_version, source";

    private async Task<Dictionary<string, long>> InsertSubscribersAsync(Plan plan, DeliveryStore store, CancellationToken ct)
    {
        var ids = new Dictionary<string, long>(plan.ToWrite.Count, StringComparer.Ordinal);
        string Evidence(NewSubscriber n) => string.Create(CultureInfo.InvariantCulture, $"Imported from the list \"{plan.FileName}\", row {n.Row}");
        await using var cmd = await store.CommandAsync(ct);
        Add(cmd, "org", store.Id(ctx.OrganizationId));
        Add(cmd, "channel", store.Id(plan.ChannelId));
        Add(cmd, "active", (int)SubscriberStatus.Active);
        Add(cmd, "now", ctx.Now);
        Add(cmd, "method", (int)ConsentMethod.Import);
        Add(cmd, "policy", plan.PolicyVersion);
        if (store.IsPostgres)
        {
            cmd.CommandText = $"INSERT INTO subscribers ({SubscriberColumns})\n"
                + "SELECT @org, @channel, x.a, x.l, x.f, @active, @now, x.t, @method, x.e, @policy, x.s FROM unnest(@a, @l, @f, @t, @e, @s) AS x(a, l, f, t, e, s)\n"
                + "RETURNING id, address";
            foreach (var chunk in plan.ToWrite.Chunk(PostgresBatch))
            {
                SetArray(cmd, "a", NpgsqlDbType.Text, chunk.Select(n => n.Phone).ToArray());
                SetArray(cmd, "l", NpgsqlDbType.Text, chunk.Select(n => string.Join(',', n.Languages)).ToArray());
                SetArray(cmd, "f", NpgsqlDbType.Text, chunk.Select(n => n.Languages[0]).ToArray());
                SetArray(cmd, "t", NpgsqlDbType.TimestampTz, chunk.Select(n => n.ConsentAt).ToArray());
                SetArray(cmd, "e", NpgsqlDbType.Text, chunk.Select(Evidence).ToArray());
                SetArray(cmd, "s", NpgsqlDbType.Text, chunk.Select(n => (object?)n.Source ?? DBNull.Value).ToArray());
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    ids[reader.GetString(1)] = reader.GetInt64(0);
                }
            }

            return ids;
        }

        cmd.CommandText = $"INSERT INTO subscribers ({SubscriberColumns})\nVALUES (@org, @channel, @a, @l, @f, @active, @now, @t, @method, @e, @policy, @s)\nRETURNING id";
        var a = Add(cmd, "a", null);
        var l = Add(cmd, "l", null);
        var f = Add(cmd, "f", null);
        var t = Add(cmd, "t", null);
        var e = Add(cmd, "e", null);
        var s = Add(cmd, "s", null);
        await cmd.PrepareAsync(ct);
        foreach (var n in plan.ToWrite)
        {
            a.Value = n.Phone;
            l.Value = string.Join(',', n.Languages);
            f.Value = n.Languages[0];
            t.Value = n.ConsentAt;
            e.Value = Evidence(n);
            s.Value = (object?)n.Source ?? DBNull.Value;
            ids[n.Phone] = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }

        return ids;
    }

    private async Task InsertTopicsAsync(Plan plan, Dictionary<string, long> ids, DeliveryStore store, CancellationToken ct)
    {
        var rows = plan.ToWrite.SelectMany(n => n.Topics.Select(t => (Subscriber: ids[n.Phone], Topic: t)));
        await using var cmd = await store.CommandAsync(ct);
        Add(cmd, "org", store.Id(ctx.OrganizationId));
        if (store.IsPostgres)
        {
            cmd.CommandText = "INSERT INTO subscriber_topics (subscriber_id, topic_id, organization_id) SELECT x.s, x.t, @org FROM unnest(@s, @t) AS x(s, t)";
            foreach (var chunk in rows.Chunk(PostgresBatch))
            {
                SetArray(cmd, "s", NpgsqlDbType.Bigint, chunk.Select(r => r.Subscriber).ToArray());
                SetArray(cmd, "t", NpgsqlDbType.Uuid, chunk.Select(r => r.Topic).ToArray());
                await cmd.ExecuteNonQueryAsync(ct);
            }

            return;
        }

        cmd.CommandText = "INSERT INTO subscriber_topics (subscriber_id, topic_id, organization_id) VALUES (@s, @t, @org)";
        var subscriber = Add(cmd, "s", null);
        var topic = Add(cmd, "t", null);
        await cmd.PrepareAsync(ct);
        foreach (var (s, t) in rows)
        {
            subscriber.Value = s;
            topic.Value = store.Id(t);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Sets (or replaces) a PostgreSQL array parameter.</summary>
    private static void SetArray(DbCommand cmd, string name, NpgsqlDbType type, Array values)
    {
        if (cmd.Parameters.Contains(name))
        {
            cmd.Parameters.RemoveAt(name);
        }

        cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });
    }

    /// <summary>A unique or foreign key violated (SQLite: SQLITE_CONSTRAINT; PostgreSQL: class 23).</summary>
    private static bool IsConstraintViolation(DbException e) =>
        e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 } || (e is PostgresException pg && pg.SqlState.StartsWith("23", StringComparison.Ordinal));

    private async Task<OrganizationData> LoadContextAsync(CancellationToken ct)
    {
        var languages = await ctx.Db.OrganizationLanguages.AsNoTracking().OrderBy(l => l.Position).Select(l => l.Tag).ToListAsync(ct);
        var zoneId = await ctx.Db.Organizations.AsNoTracking().Select(o => o.TimeZone).FirstOrDefaultAsync(ct);
        var zone = zoneId is not null && TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var z) ? z : TimeZoneInfo.Utc;
        var topics = await ctx.Db.Topics.AsNoTracking().Include(t => t.Names).ToListAsync(ct);
        var byText = new Dictionary<string, List<Guid>>(StringComparer.Ordinal);
        foreach (var t in topics)
        {
            foreach (var text in t.Names.Select(n => n.Name).Prepend(t.Key).Select(ImportCsv.TopicText).Distinct(StringComparer.Ordinal))
            {
                if (!byText.TryGetValue(text, out var ids))
                {
                    byText[text] = ids = [];
                }

                ids.Add(t.Id);
            }
        }

        // A key names one topic even when another topic has it as a name.
        foreach (var t in topics)
        {
            byText[ImportCsv.TopicText(t.Key)] = [t.Id];
        }

        return new OrganizationData(languages, zone, byText, topics.Where(t => t.IsActive).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Id).ToList());
    }

    /// <summary>The file's own name (browsers may send a path), without control characters, at most 200 characters.</summary>
    private static string CleanFileName(string? name)
    {
        var text = name ?? string.Empty;
        text = text[(text.LastIndexOfAny(['/', '\\']) + 1)..];
        text = Rules.Clean(new string(text.Where(c => !char.IsControl(c)).ToArray())) ?? string.Empty;
        if (text.Length > 200)
        {
            text = text[..200];
        }

        return text.Length == 0 ? "list.csv" : text;
    }

    private sealed record Upload(byte[]? Content, bool TooLarge);

    private sealed record OrganizationData(IReadOnlyList<string> Languages, TimeZoneInfo TimeZone, Dictionary<string, List<Guid>> TopicsByText, IReadOnlyList<Guid> ActiveTopics);

    private sealed record NewSubscriber(int Row, string Phone, List<string> Languages, List<Guid> Topics, DateTime ConsentAt, string? Source);

    /// <summary>What an import writes, and what it found on the way.</summary>
    private sealed class Plan
    {
        public required Guid ChannelId { get; init; }

        public required ChannelKind ChannelKind { get; init; }

        public required string FileName { get; init; }

        public required string PolicyVersion { get; init; }

        public required string? FormSource { get; init; }

        public required byte[] Content { get; init; }

        public int RowsRead { get; set; }

        public List<NewSubscriber> ToWrite { get; } = [];

        public HashSet<int> BadRows { get; } = [];

        public List<ImportRowMessage> Problems { get; } = [];

        public int ProblemCount { get; private set; }

        public List<ImportRowMessage> Skipped { get; } = [];

        public int SkippedCount { get; private set; }

        public void AddProblem(ImportRowMessage problem)
        {
            if (++ProblemCount <= MaxListed)
            {
                Problems.Add(problem);
            }
        }

        public void AddSkipped(ImportRowMessage skipped)
        {
            if (++SkippedCount <= MaxListed)
            {
                Skipped.Add(skipped);
            }
        }

        public SubscriberImportReport Report(bool dryRun, int imported) => new(
            dryRun, ChannelId, FileName, RowsRead, ToWrite.Count, imported, SkippedCount, BadRows.Count, ProblemCount, Problems.ToList(), Skipped.ToList());
    }
}
