using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Piazza.Audit;
using Piazza.Channels;
using Piazza.Common;
using Piazza.Data;
using Piazza.Organizations;
using Piazza.Tenancy;
using Xunit;

namespace Piazza.Core.Tests;

/// <summary>A channel's settings and secrets are checked against its platform's definition
/// (on a migrated in-memory SQLite database).</summary>
public sealed class ChannelSettingsTests : IAsyncLifetime, IDisposable
{
    /// <summary>A made-up platform, registered as Web, to test the rules independently of the real ones.</summary>
    private static readonly ChannelDefinition Definition = new(
        ChannelKind.Web,
        "Test platform",
        [
            new("baseUrl", "API base URL", IsUrl: true, Default: "https://api.example.org"),
            new("account", "Account id"),
            new("note", "Note", Required: false),
        ],
        [
            new("token", "Token"),
            new("extra", "Extra secret", Required: false),
        ]);

    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly TenantContext _tenant = new();
    private PiazzaDb _db = default!;
    private ChannelService _channels = default!;

    public async Task InitializeAsync()
    {
        await _connection.OpenAsync();
        var options = new DbContextOptionsBuilder<PiazzaDb>()
            .UseSqlite(_connection)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning))
            .Options;
        _db = new PiazzaDb(options, _tenant);
        await _db.Database.MigrateAsync();
        var org = await OrganizationService.CreateAsync(_db, "Comune di Prova", null, null, TimeProvider.System, default);
        _tenant.Set(org.Id);
        var actor = new SystemActor();
        var ctx = new ServiceContext(_db, actor, new Auditor(_db, actor, TimeProvider.System), TimeProvider.System);
        _channels = new ChannelService(ctx, new ChannelCatalog([Definition, Piazza.Channels.Telegram.TelegramChannel.Definition]), new EphemeralDataProtectionProvider());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _db.Dispose();
        _connection.Dispose();
    }

    private static Dictionary<string, string?> Map(params (string Key, string? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private async Task<string[]> FieldsOfErrorAsync(ChannelInput input)
    {
        var e = await Assert.ThrowsAsync<ValidationFailedException>(() => _channels.CreateAsync(input, default));
        Assert.Empty(_db.Channels);
        return [.. e.Errors.Keys.Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task A_live_channel_needs_every_required_setting_and_secret()
    {
        var fields = await FieldsOfErrorAsync(new ChannelInput(ChannelKind.Web, "Sito"));
        Assert.Equal(["secrets.token", "settings.account"], fields);
    }

    [Fact]
    public async Task A_sandbox_or_disabled_channel_does_not()
    {
        var sandbox = await _channels.CreateAsync(new ChannelInput(ChannelKind.Web, "Prova", IsSandbox: true), default);
        var disabled = await _channels.CreateAsync(new ChannelInput(ChannelKind.Web, "Spento", IsEnabled: false), default);
        Assert.Equal("https://api.example.org", sandbox.Settings["baseUrl"]);
        Assert.Empty(disabled.SecretsSet);
    }

    [Fact]
    public async Task Unknown_names_bad_urls_and_overlong_values_are_named()
    {
        var fields = await FieldsOfErrorAsync(new ChannelInput(
            ChannelKind.Web, "Sito", IsSandbox: true,
            Settings: Map(("colour", "red"), ("baseUrl", "javascript:alert(1)"), ("note", new string('x', 2001))),
            Secrets: Map(("password", "x"), ("extra", new string('x', 4001)))));
        Assert.Equal(["secrets.extra", "secrets.password", "settings.baseUrl", "settings.colour", "settings.note"], fields);
    }

    [Theory]
    [InlineData("ftp://example.org")]
    [InlineData("/relative/path")]
    [InlineData("example.org")]
    public async Task Url_settings_must_be_absolute_http_or_https(string url)
    {
        var fields = await FieldsOfErrorAsync(new ChannelInput(ChannelKind.Web, "Sito", IsSandbox: true, Settings: Map(("baseUrl", url))));
        Assert.Equal(["settings.baseUrl"], fields);
    }

    [Fact]
    public async Task A_complete_live_channel_is_saved_with_defaults_trimmed_values_and_encrypted_secrets()
    {
        var view = await _channels.CreateAsync(new ChannelInput(
            ChannelKind.Web, "  Sito   comunale ",
            Settings: Map(("account", "  acc-1 "), ("note", "")),
            Secrets: Map(("token", "t0k3n"))), default);
        Assert.Equal("Sito comunale", view.Name);
        Assert.Equal(new Dictionary<string, string> { ["account"] = "acc-1", ["baseUrl"] = "https://api.example.org" }, view.Settings);
        Assert.Equal(["token"], view.SecretsSet);

        var row = await _db.Channels.SingleAsync();
        Assert.DoesNotContain("t0k3n", row.ProtectedSecrets, StringComparison.Ordinal);
        Assert.Equal("t0k3n", _channels.ReadSecrets(row)["token"]);
        Assert.Single(_db.AuditEntries, a => a.Action == "channel.created");
    }

    [Fact]
    public async Task Updating_keeps_unmentioned_secrets_clears_empty_ones_and_refuses_a_new_platform()
    {
        var view = await _channels.CreateAsync(new ChannelInput(
            ChannelKind.Web, "Sito", Settings: Map(("account", "a")), Secrets: Map(("token", "uno"), ("extra", "due"))), default);

        var updated = await _channels.UpdateAsync(view.Id, new ChannelInput(null, "Sito", Settings: Map(("account", "a")), Secrets: Map(("extra", ""))), default);
        Assert.Equal(["token"], updated.SecretsSet);
        Assert.Equal("uno", _channels.ReadSecrets(await _db.Channels.SingleAsync())["token"]);

        // Clearing the only required secret of a live channel is refused.
        var e = await Assert.ThrowsAsync<ValidationFailedException>(() =>
            _channels.UpdateAsync(view.Id, new ChannelInput(null, "Sito", Settings: Map(("account", "a")), Secrets: Map(("token", ""))), default));
        Assert.Equal(["secrets.token"], e.Errors.Keys);

        var kind = await Assert.ThrowsAsync<ValidationFailedException>(() =>
            _channels.UpdateAsync(view.Id, new ChannelInput(ChannelKind.Telegram, "Sito", IsSandbox: true), default));
        Assert.Equal(["kind"], kind.Errors.Keys);
    }

    [Fact]
    public async Task The_real_Telegram_definition_is_enforced_too()
    {
        var e = await Assert.ThrowsAsync<ValidationFailedException>(() => _channels.CreateAsync(new ChannelInput(ChannelKind.Telegram, "Bot"), default));
        Assert.Equal(["secrets.botToken", "secrets.webhookSecret", "settings.botUsername"], e.Errors.Keys.Order(StringComparer.Ordinal));

        var unknownPlatform = await Assert.ThrowsAsync<ValidationFailedException>(() => _channels.CreateAsync(new ChannelInput(ChannelKind.WhatsApp, "Whats", IsSandbox: true), default));
        Assert.Equal(["kind"], unknownPlatform.Errors.Keys);
    }
}
