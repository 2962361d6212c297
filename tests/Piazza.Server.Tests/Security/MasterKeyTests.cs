using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Piazza.Server.Tests.Infrastructure;
using Xunit;

namespace Piazza.Server.Tests.Security;

/// <summary>The Data Protection keys (which encrypt channel secrets) are stored in the database encrypted
/// with the master key, so the database alone does not reveal any secret.</summary>
public sealed class MasterKeyTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private readonly string _keyDir = Directory.CreateTempSubdirectory("piazza-master-key").FullName;

    public Task InitializeAsync() => _database.InitializeAsync();

    [Fact]
    public async Task Keys_in_the_database_are_encrypted_and_another_master_key_cannot_read_them()
    {
        var keyFile = Path.Combine(_keyDir, "master.key");
        string protectedText;
        await using (var first = Factory(b => b.UseSetting("Security:MasterKeyFile", keyFile)))
        {
            protectedText = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("bot-token-123");
            Assert.Equal("bot-token-123", first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedText));
        }

        Assert.True(File.Exists(keyFile), "The master key file is created on first start.");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        await using (var db = _database.CreateContext())
        {
            var xml = await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync();
            Assert.NotEmpty(xml);
            Assert.All(xml, x =>
            {
                Assert.Contains("encryptedKey", x, StringComparison.Ordinal);
                Assert.DoesNotContain("<masterKey", x, StringComparison.Ordinal); // Data Protection's plain key element
            });
        }

        // The same database with a different master key: the secret cannot be recovered.
        var other = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var second = Factory(b => b.UseSetting("Security:MasterKey", other));
        var protector = second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(protectedText));
    }

    [Fact]
    public async Task A_master_key_that_is_not_32_bytes_stops_the_server_with_a_clear_message()
    {
        await using var factory = Factory(b => b.UseSetting("Security:MasterKey", Convert.ToBase64String(new byte[16])));
        var error = Assert.ThrowsAny<Exception>(() => factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("x").Protect("y"));
        Assert.Contains("must be 32 bytes", error.ToString(), StringComparison.Ordinal);
    }

    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Factory(Action<IWebHostBuilder> configure) =>
        new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            _database.Configure(b);
            b.UseSetting("Database:SeedDemoOnStart", "false");
            configure(b);
        });

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_keyDir, recursive: true);
    }
}
