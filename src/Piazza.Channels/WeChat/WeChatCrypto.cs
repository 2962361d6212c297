using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Piazza.Channels.WeChat;

/// <summary>
/// WeChat's callback signatures and its safe mode ("安全模式"). The URL check and plain callbacks are signed with
/// <c>sha1(sort([token, timestamp, nonce]))</c>; safe-mode callbacks with <c>sha1(sort([token, timestamp, nonce, Encrypt]))</c>.
/// Safe mode encrypts with AES-256-CBC: key = base64(EncodingAESKey + "="), IV = the key's first 16 bytes, PKCS#7 padding
/// to 32-byte blocks, plaintext = 16 random bytes ‖ uint32 big-endian length ‖ message ‖ AppID. Signatures are compared
/// in constant time; nothing is decrypted before its signature is checked.
/// </summary>
public static class WeChatCrypto
{
    /// <summary>WeChat pads to 32-byte blocks, not AES's 16.</summary>
    private const int Block = 32;

    /// <summary>The hex SHA-1 of the parts sorted ordinally and joined, as WeChat signs.</summary>
    public static string Signature(params string[] parts)
    {
        var sorted = parts.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
#pragma warning disable CA5350 // WeChat's protocol signs with SHA-1; Piazza cannot choose another algorithm.
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(sorted))));
#pragma warning restore CA5350
    }

    /// <summary>True when <paramref name="given"/> is the signature of the parts (compared in constant time).</summary>
    public static bool SignatureValid(string? given, params string?[] parts)
    {
        if (string.IsNullOrEmpty(given) || given.Length != 40 || parts.Any(p => p is null))
        {
            return false;
        }

        var expected = Signature(parts!);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given.ToLowerInvariant()), Encoding.ASCII.GetBytes(expected));
    }

    /// <summary>The 32-byte AES key of a 43-character EncodingAESKey, or null when it is not one.</summary>
    public static byte[]? Key(string? encodingAesKey)
    {
        if (encodingAesKey is not { Length: 43 })
        {
            return null;
        }

        try
        {
            var key = Convert.FromBase64String(encodingAesKey + "=");
            return key.Length == 32 ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Why an EncodingAESKey cannot be used, or null.</summary>
    public static string? KeyProblem(string encodingAesKey) =>
        Key(encodingAesKey) is null ? "The EncodingAESKey must be the 43 characters (letters and digits) WeChat generates." : null;

    /// <summary>Encrypts a message for <paramref name="appId"/>; <paramref name="random"/> (16 bytes) is drawn when not given.</summary>
    public static string Encrypt(string message, string encodingAesKey, string appId, byte[]? random = null)
    {
        var key = Key(encodingAesKey) ?? throw new ArgumentException(KeyProblem(encodingAesKey), nameof(encodingAesKey));
        random ??= RandomNumberGenerator.GetBytes(16);
        if (random.Length != 16)
        {
            throw new ArgumentException("The random prefix must be 16 bytes.", nameof(random));
        }

        var body = Encoding.UTF8.GetBytes(message);
        var app = Encoding.UTF8.GetBytes(appId);
        var length = 16 + 4 + body.Length + app.Length;
        var pad = Block - (length % Block);
        var plain = new byte[length + pad];
        random.CopyTo(plain, 0);
        BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(16), (uint)body.Length);
        body.CopyTo(plain, 20);
        app.CopyTo(plain, 20 + body.Length);
        plain.AsSpan(length).Fill((byte)pad);
        using var aes = Aes.Create();
        aes.Key = key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>Decrypts a safe-mode message and checks that it is addressed to <paramref name="appId"/>; throws
    /// <see cref="CryptographicException"/> for anything that is not a well-formed message of that account.</summary>
    public static string Decrypt(string encrypted, string encodingAesKey, string appId)
    {
        var key = Key(encodingAesKey) ?? throw new CryptographicException(KeyProblem(encodingAesKey));
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(encrypted);
        }
        catch (FormatException e)
        {
            throw new CryptographicException("The encrypted message is not base64.", e);
        }

        if (cipher.Length == 0 || cipher.Length % 16 != 0)
        {
            throw new CryptographicException("The encrypted message has a wrong length.");
        }

        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(cipher, key.AsSpan(0, 16), PaddingMode.None);
        int pad = plain[^1];
        if (pad is < 1 or > Block || pad > plain.Length || plain.AsSpan(plain.Length - pad).ContainsAnyExcept((byte)pad))
        {
            throw new CryptographicException("The encrypted message has a wrong padding.");
        }

        var content = plain.AsSpan(0, plain.Length - pad);
        if (content.Length < 20)
        {
            throw new CryptographicException("The encrypted message is too short.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(content[16..]);
        if (length > content.Length - 20)
        {
            throw new CryptographicException("The encrypted message has a wrong length field.");
        }

        var message = content.Slice(20, (int)length);
        var from = content[(20 + (int)length)..];
        if (!from.SequenceEqual(Encoding.UTF8.GetBytes(appId)))
        {
            throw new CryptographicException("The encrypted message is for another AppID.");
        }

        return Encoding.UTF8.GetString(message);
    }
}
