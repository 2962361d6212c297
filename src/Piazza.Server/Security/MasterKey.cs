using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace Piazza.Server.Security;

/// <summary>Where the master key comes from: <c>Security__MasterKey</c> (base64 of 32 bytes, e.g. from a
/// secret store) or else a file (default <c>data/master.key</c>, created on first start, readable by
/// the owner only). The Data Protection keys stored in the database are encrypted with it, so a copy of
/// the database alone reveals no channel secret.</summary>
public sealed class MasterKeyOptions
{
    public const string Section = "Security";

    public string? MasterKey { get; set; }

    public string MasterKeyFile { get; set; } = "data/master.key";
}

/// <summary>The 256-bit key-encryption key, loaded once.</summary>
public sealed class MasterKey
{
    private const int Size = 32;

    public MasterKey(IOptions<MasterKeyOptions> options, IHostEnvironment env)
    {
        var o = options.Value;
        if (!string.IsNullOrWhiteSpace(o.MasterKey))
        {
            Key = Decode(o.MasterKey, "Security__MasterKey");
            return;
        }

        var path = Path.IsPathRooted(o.MasterKeyFile) ? o.MasterKeyFile : Path.Combine(env.ContentRootPath, o.MasterKeyFile);
        Key = LoadOrCreate(path);
    }

    public byte[] Key { get; }

    private static byte[] LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var file = new FileStream(path, options);
                using var writer = new StreamWriter(file, Encoding.ASCII);
                writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(Size)));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it at the same moment: use theirs.
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            var text = File.ReadAllText(path).Trim();
            if (text.Length > 0 || attempt == 20)
            {
                return Decode(text, path);
            }

            Thread.Sleep(50); // being written by another process
        }
    }

    private static byte[] Decode(string text, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The master key in {source} is not base64.");
        }

        return key.Length == Size ? key : throw new InvalidOperationException($"The master key in {source} must be {Size} bytes (base64 of 32 random bytes).");
    }
}

/// <summary>Encrypts Data Protection key XML with the master key (AES-256-GCM).</summary>
public sealed class MasterKeyXmlEncryptor(MasterKey masterKey) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plain = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(masterKey.Key, tag.Length))
        {
            aes.Encrypt(nonce, plain, cipher, tag);
        }

        CryptographicOperations.ZeroMemory(plain);
        var element = new XElement(
            "encryptedKey",
            new XComment(" Encrypted with Piazza's master key (AES-256-GCM). "),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(cipher)));
        return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
    }
}

/// <summary>Decrypts what <see cref="MasterKeyXmlEncryptor"/> wrote. Created by Data Protection with the service provider.</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var key = services.GetRequiredService<MasterKey>().Key;
        var nonce = Convert.FromBase64String((string)encryptedElement.Element("nonce")!);
        var tag = Convert.FromBase64String((string)encryptedElement.Element("tag")!);
        var cipher = Convert.FromBase64String((string)encryptedElement.Element("value")!);
        var plain = new byte[cipher.Length];
        using (var aes = new AesGcm(key, tag.Length))
        {
            try
            {
                aes.Decrypt(nonce, cipher, tag, plain);
            }
            catch (AuthenticationTagMismatchException e)
            {
                throw new CryptographicException("A Data Protection key cannot be decrypted: the master key (Security__MasterKey or data/master.key) is not the one it was encrypted with.", e);
            }
        }

        return XElement.Parse(Encoding.UTF8.GetString(plain));
    }
}

public static class MasterKeySetup
{
    public static IDataProtectionBuilder ProtectKeysWithMasterKey(this IDataProtectionBuilder builder, IConfiguration config)
    {
        builder.Services.AddOptions<MasterKeyOptions>().Bind(config.GetSection(MasterKeyOptions.Section));
        builder.Services.AddSingleton<MasterKey>();
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<MasterKey>((o, key) => o.XmlEncryptor = new MasterKeyXmlEncryptor(key));
        return builder;
    }
}
