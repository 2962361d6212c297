using System.Globalization;
using System.Security.Cryptography;

namespace Piazza.Server.Tests.Browser;

/// <summary>What an authenticator app computes: RFC 6238 time-based one-time passwords (HMAC-SHA1, 30-second
/// steps, 6 digits) from a Base32 key (RFC 4648), written independently of ASP.NET Core Identity.</summary>
public static class Totp
{
    public const int StepSeconds = 30;

    /// <summary>The code for <paramref name="at"/> (default now), e.g. "042917".</summary>
    public static string Code(string base32Key, DateTimeOffset? at = null)
    {
        var step = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds() / StepSeconds;
        return Code(Base32Decode(base32Key), step);
    }

    /// <summary>RFC 4226 HOTP of <paramref name="counter"/>, dynamic truncation to 6 digits.</summary>
    public static string Code(byte[] key, long counter)
    {
        var message = BitConverter.GetBytes(counter);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(message);
        }

#pragma warning disable CA5350 // RFC 6238 authenticator apps use HMAC-SHA1: the test must compute what the phone computes.
        var hash = HMACSHA1.HashData(key, message);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>Decodes Base32 (A–Z, 2–7), ignoring spaces, dashes, padding and case.</summary>
    public static byte[] Base32Decode(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.ToUpperInvariant())
        {
            if (c is ' ' or '-' or '=')
            {
                continue;
            }

            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException($"'{c}' is not a Base32 character.");
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)((buffer >> bits) & 0xff));
            }
        }

        return [.. bytes];
    }
}
