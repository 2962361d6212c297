using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Piazza.Channels.WeChat;
using Xunit;

namespace Piazza.Core.Tests;

/// <summary>
/// WeChat Official Account's wire format: the callback signatures and safe mode's AES against the vectors that Tencent
/// publishes (channels.md; the encrypted echostr is the one in Tencent's WXBizMsgCrypt samples), what must be refused
/// (wrong signatures, another AppID, a damaged ciphertext or padding, a wrong key), and the XML: no DTD (so no XXE and
/// no entity expansion), a size limit, the messages and events a callback carries, the passive reply and the envelope.
/// </summary>
public sealed class WeChatWireTests
{
    // channels.md, URL check.
    private const string UrlToken = "AAAAA";
    private const string UrlTimestamp = "1715943329";
    private const string UrlNonce = "1590219412";
    private const string UrlSignature = "cc0c594499c1634947d5b502f158ee518947db27";

    // channels.md, encryption vector (Tencent's WXBizMsgCrypt tests).
    private const string VectorKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    private const string VectorAppId = "wxb11529c136998cb6";
    private const string VectorMessage = "我是中文abcd123";
    private const string VectorCipher = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";

    // channels.md, echostr vector; the encrypted echostr is the one in Tencent's WXBizMsgCrypt samples (VerifyURL).
    private const string EchoToken = "QDG6eK";
    private const string EchoTimestamp = "1409659589";
    private const string EchoNonce = "263014780";
    private const string EchoKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    private const string EchoAppId = "wx5823bf96d3bd56c7";
    private const string EchoSignature = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
    private const string EchoEncrypted = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
    private const string EchoPlain = "1616140317555161061";

    private static byte[] VectorRandom => Encoding.ASCII.GetBytes("aaaabbbbccccdddd");

    // ---------------------------------------------------------------------------------------------------------
    // Published vectors

    [Fact]
    public void The_url_check_signature_matches_the_published_vector_in_any_order_of_the_parts()
    {
        Assert.Equal(UrlSignature, WeChatCrypto.Signature(UrlToken, UrlTimestamp, UrlNonce));
        Assert.Equal(UrlSignature, WeChatCrypto.Signature(UrlNonce, UrlToken, UrlTimestamp));
        Assert.True(WeChatCrypto.SignatureValid(UrlSignature, UrlToken, UrlTimestamp, UrlNonce));
        Assert.True(WeChatCrypto.SignatureValid(UrlSignature, UrlTimestamp, UrlNonce, UrlToken));

        // The parts are sorted before hashing: sha1("AAAAA17159433291590219412"), the parts in the query's order, is not it.
        const string Unsorted = "00d07ecb3a416b63d0a0ecb4b62bfc0d4ce5060f";
        Assert.False(WeChatCrypto.SignatureValid(Unsorted, UrlToken, UrlTimestamp, UrlNonce));
    }

    [Fact]
    public void Encrypting_with_the_published_random_gives_the_published_ciphertext_and_it_decrypts_back()
    {
        Assert.Equal(VectorCipher, WeChatCrypto.Encrypt(VectorMessage, VectorKey, VectorAppId, VectorRandom));
        Assert.Equal(VectorMessage, WeChatCrypto.Decrypt(VectorCipher, VectorKey, VectorAppId));
    }

    [Fact]
    public void The_published_echostr_is_signed_with_msg_signature_and_decrypts_to_the_published_plaintext()
    {
        Assert.Equal(EchoSignature, WeChatCrypto.Signature(EchoToken, EchoTimestamp, EchoNonce, EchoEncrypted));
        Assert.True(WeChatCrypto.SignatureValid(EchoSignature, EchoToken, EchoTimestamp, EchoNonce, EchoEncrypted));
        Assert.Equal(EchoPlain, WeChatCrypto.Decrypt(EchoEncrypted, EchoKey, EchoAppId));

        // The signature covers the echostr: without it, or with another one, it does not match.
        Assert.False(WeChatCrypto.SignatureValid(EchoSignature, EchoToken, EchoTimestamp, EchoNonce));
        var other = WeChatCrypto.Encrypt(EchoPlain, EchoKey, EchoAppId);
        Assert.False(WeChatCrypto.SignatureValid(EchoSignature, EchoToken, EchoTimestamp, EchoNonce, other));
    }

    [Fact]
    public void The_key_is_the_base64_of_the_encoding_aes_key_and_the_iv_its_first_16_bytes()
    {
        var key = WeChatCrypto.Key(VectorKey);
        Assert.NotNull(key);
        Assert.Equal(Convert.FromBase64String(VectorKey + "="), key);
        Assert.Equal(32, key.Length);

        // Decrypting the published ciphertext by hand with that key and IV shows the documented layout.
        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(Convert.FromBase64String(VectorCipher), key.AsSpan(0, 16), PaddingMode.None);
        var body = Encoding.UTF8.GetBytes(VectorMessage);
        Assert.Equal(64, plain.Length);
        Assert.Equal(VectorRandom, plain[..16]);
        Assert.Equal((uint)body.Length, BinaryPrimitives.ReadUInt32BigEndian(plain.AsSpan(16)));
        Assert.Equal(body, plain[20..(20 + body.Length)]);
        Assert.Equal(VectorAppId, Encoding.ASCII.GetString(plain, 20 + body.Length, VectorAppId.Length));
        Assert.All(plain[(20 + body.Length + VectorAppId.Length)..], b => Assert.Equal(7, b)); // 57 bytes + 7 of padding
    }

    [Fact]
    public void The_parts_are_sorted_ordinally_capitals_before_small_letters_as_wechat_sorts_them()
    {
        // sha1("Aab") and sha1("1715943329TokenZebranonce"): byte order, not alphabetical nor case-insensitive.
        Assert.Equal("5a5bba8c61c303ace11e56218e0885ba18b15bb6", WeChatCrypto.Signature("b", "A", "a"));
        Assert.Equal("49ef0dd968d75774e3ca4bc7cea960bb7475caf4", WeChatCrypto.Signature("nonce", "Zebra", "Token", "1715943329"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Signatures that must be refused

    [Fact]
    public void A_changed_truncated_or_padded_signature_is_refused()
    {
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature[..^1] + "8", UrlToken, UrlTimestamp, UrlNonce));   // last character changed
        Assert.False(WeChatCrypto.SignatureValid("d" + UrlSignature[1..], UrlToken, UrlTimestamp, UrlNonce));    // first character changed
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature[..^1], UrlToken, UrlTimestamp, UrlNonce));         // 39 characters
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature + "0", UrlToken, UrlTimestamp, UrlNonce));         // 41 characters
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature + UrlSignature, UrlToken, UrlTimestamp, UrlNonce)); // 80 characters
        Assert.False(WeChatCrypto.SignatureValid(" " + UrlSignature[1..], UrlToken, UrlTimestamp, UrlNonce));
        Assert.False(WeChatCrypto.SignatureValid(new string('0', 40), UrlToken, UrlTimestamp, UrlNonce));
        Assert.False(WeChatCrypto.SignatureValid(new string('é', 40), UrlToken, UrlTimestamp, UrlNonce));       // not ASCII
        Assert.False(WeChatCrypto.SignatureValid(null, UrlToken, UrlTimestamp, UrlNonce));
        Assert.False(WeChatCrypto.SignatureValid(string.Empty, UrlToken, UrlTimestamp, UrlNonce));
    }

    [Fact]
    public void A_signature_is_refused_when_a_part_is_missing_null_extra_or_different()
    {
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature, UrlToken, UrlTimestamp));                    // nonce missing
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature, UrlToken, UrlTimestamp, null));              // nonce absent from the query
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature, null, UrlTimestamp, UrlNonce));              // no token configured
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature, UrlToken, UrlTimestamp, UrlNonce, "x"));     // an Encrypt it does not cover
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature, "AAAAB", UrlTimestamp, UrlNonce));           // another token
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature, UrlToken, "1715943330", UrlNonce));          // replayed with another timestamp
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature, UrlToken, UrlTimestamp, UrlNonce + "0"));
        Assert.False(WeChatCrypto.SignatureValid(UrlSignature));                                            // no parts at all

        // A missing part is not an empty one: sha1("1715943329AAAAA"), the signature of the two parts that are there, is refused.
        const string OfTwo = "b7758f5c766cc4f92c6a1e8ada657507258508f8";
        Assert.Equal(OfTwo, WeChatCrypto.Signature(UrlToken, UrlTimestamp));
        Assert.False(WeChatCrypto.SignatureValid(OfTwo, UrlToken, UrlTimestamp, null));
    }

    /// <summary>WeChat always sends the signature in lowercase hex (as Tencent's SDKs produce it). The comparison
    /// ignores the case of the hex digits: "CC0C…" names the same digest, so accepting it grants nothing, and every
    /// signature WeChat sends is accepted either way. Anything that is not the digest is refused in any case.</summary>
    [Fact]
    public void The_signature_is_lowercase_hex_and_its_case_does_not_matter()
    {
        Assert.Matches("^[0-9a-f]{40}$", WeChatCrypto.Signature(UrlToken, UrlTimestamp, UrlNonce));
        Assert.Matches("^[0-9a-f]{40}$", WeChatCrypto.Signature(EchoToken, EchoTimestamp, EchoNonce, EchoEncrypted));
        Assert.True(WeChatCrypto.SignatureValid(UrlSignature.ToUpperInvariant(), UrlToken, UrlTimestamp, UrlNonce));
        Assert.True(WeChatCrypto.SignatureValid(EchoSignature.ToUpperInvariant(), EchoToken, EchoTimestamp, EchoNonce, EchoEncrypted));
        Assert.False(WeChatCrypto.SignatureValid((UrlSignature[..^1] + "8").ToUpperInvariant(), UrlToken, UrlTimestamp, UrlNonce));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Keys

    [Theory]
    [InlineData("")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF")]     // 42
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH")]   // 44
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF=")]    // 43 with the padding already there
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCD-FG")]    // not base64
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789AB DEFG")]    // a space
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGabcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")]
    public void A_key_that_is_not_43_base64_characters_is_refused_everywhere(string encodingAesKey)
    {
        Assert.Null(WeChatCrypto.Key(encodingAesKey));
        Assert.NotNull(WeChatCrypto.KeyProblem(encodingAesKey));
        Assert.Throws<ArgumentException>(() => WeChatCrypto.Encrypt("ciao", encodingAesKey, VectorAppId));
        Assert.Throws<CryptographicException>(() => WeChatCrypto.Decrypt(VectorCipher, encodingAesKey, VectorAppId));
    }

    [Fact]
    public void A_missing_key_is_refused_and_a_good_one_has_no_problem()
    {
        Assert.Null(WeChatCrypto.Key(null));
        Assert.Null(WeChatCrypto.KeyProblem(VectorKey));
        Assert.Null(WeChatCrypto.KeyProblem(EchoKey));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(32)]
    public void The_random_prefix_must_be_16_bytes(int length) =>
        Assert.Throws<ArgumentException>(() => WeChatCrypto.Encrypt("ciao", VectorKey, VectorAppId, new byte[length]));

    // ---------------------------------------------------------------------------------------------------------
    // Encrypt and Decrypt

    [Fact]
    public void Every_length_round_trips_and_pads_to_32_byte_blocks_with_1_to_32_bytes()
    {
        var pads = new HashSet<int>();
        for (var n = 0; n <= 70; n++)
        {
            var message = new string('m', n);
            var cipher = Convert.FromBase64String(WeChatCrypto.Encrypt(message, VectorKey, VectorAppId, VectorRandom));
            var unpadded = 16 + 4 + n + VectorAppId.Length;
            Assert.Equal(0, cipher.Length % 32);
            Assert.Equal(unpadded + 32 - (unpadded % 32), cipher.Length); // a whole block of 32 when already aligned
            pads.Add(cipher.Length - unpadded);
            Assert.Equal(message, WeChatCrypto.Decrypt(Convert.ToBase64String(cipher), VectorKey, VectorAppId));
        }

        Assert.Equal(Enumerable.Range(1, 32), pads.Order());
    }

    [Fact]
    public void Text_in_any_script_and_an_xml_callback_round_trip_with_a_fresh_random_each_time()
    {
        foreach (var message in new[] { "Raccolta differenziata: lunedì 🗑️", "垃圾分类：周一收取", "<xml><Content><![CDATA[a]]></Content></xml>", new string('字', 3000) })
        {
            var first = WeChatCrypto.Encrypt(message, EchoKey, EchoAppId);
            var second = WeChatCrypto.Encrypt(message, EchoKey, EchoAppId);
            Assert.NotEqual(first, second); // the random prefix is drawn each time
            Assert.Equal(message, WeChatCrypto.Decrypt(first, EchoKey, EchoAppId));
            Assert.Equal(message, WeChatCrypto.Decrypt(second, EchoKey, EchoAppId));
        }
    }

    [Theory]
    [InlineData("wx5823bf96d3bd56c8")]   // last character
    [InlineData("wx5823bf96d3bd56c")]    // a prefix of the right one
    [InlineData("wx5823bf96d3bd56c77")]  // longer
    [InlineData("WX5823BF96D3BD56C7")]   // another case
    [InlineData("")]
    public void A_message_for_another_appid_is_refused(string appId)
    {
        Assert.Throws<CryptographicException>(() => WeChatCrypto.Decrypt(EchoEncrypted, EchoKey, appId));
        Assert.Throws<CryptographicException>(() => WeChatCrypto.Decrypt(VectorCipher, VectorKey, appId));
    }

    [Fact]
    public void A_message_encrypted_with_another_key_is_refused()
    {
        Assert.Throws<CryptographicException>(() => WeChatCrypto.Decrypt(VectorCipher, EchoKey, VectorAppId));
        Assert.Throws<CryptographicException>(() => WeChatCrypto.Decrypt(EchoEncrypted, VectorKey, EchoAppId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=")]   // bad base64 padding
    [InlineData("AAAA")]                                   // 3 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // 29 bytes
    [InlineData("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgV")] // 48 bytes: the last block missing
    [InlineData("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmk=")]                      // the first 32 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==")]                                             // 16 zero bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]                         // 32 zero bytes
    public void A_damaged_ciphertext_is_refused_with_a_cryptographic_exception(string encrypted) =>
        Assert.Throws<CryptographicException>(() => WeChatCrypto.Decrypt(encrypted, VectorKey, VectorAppId));

    [Fact]
    public void Flipping_any_bit_of_the_last_two_blocks_is_refused_with_a_cryptographic_exception()
    {
        // CBC has no integrity of its own (that is the signature's job, checked first), but a change that reaches the
        // padding, the AppID or the length field must never come out as a message, nor as any other exception.
        var cipher = Convert.FromBase64String(VectorCipher);
        var signature = WeChatCrypto.Signature(EchoToken, EchoTimestamp, EchoNonce, VectorCipher);
        for (var i = cipher.Length - 32; i < cipher.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var damaged = (byte[])cipher.Clone();
                damaged[i] ^= (byte)(1 << bit);
                var encrypted = Convert.ToBase64String(damaged);
                Assert.Throws<CryptographicException>(() => WeChatCrypto.Decrypt(encrypted, VectorKey, VectorAppId));
                Assert.False(WeChatCrypto.SignatureValid(signature, EchoToken, EchoTimestamp, EchoNonce, encrypted)); // and the signature would not match
            }
        }
    }

    [Fact]
    public void Any_damage_anywhere_gives_a_cryptographic_exception_or_a_message_never_another_exception()
    {
        var cipher = Convert.FromBase64String(VectorCipher);
        for (var i = 0; i < cipher.Length; i++)
        {
            foreach (var value in new byte[] { 0x00, 0xFF, (byte)(cipher[i] ^ 0x01), (byte)(cipher[i] ^ 0x80) })
            {
                var damaged = (byte[])cipher.Clone();
                damaged[i] = value;
                var e = Record.Exception(() => WeChatCrypto.Decrypt(Convert.ToBase64String(damaged), VectorKey, VectorAppId));
                Assert.True(e is null or CryptographicException, $"byte {i} = {value}: {e}");
            }
        }
    }

    public static TheoryData<string, byte[]> BadPlaintexts()
    {
        var app = Encoding.ASCII.GetBytes(VectorAppId);
        byte[] Layout(uint length, byte[] message, byte[] appId) =>
            [.. new byte[16], .. BigEndian(length), .. message, .. appId];
        byte[] Pad(byte[] content, int pad, byte value) => [.. content, .. Enumerable.Repeat(value, pad)];
        var good = Layout(4, "ciao"u8.ToArray(), app);                     // 42 bytes: 22 of padding make 64
        return new TheoryData<string, byte[]>
        {
            { "padding byte 0", Pad(good, 22, 0) },
            { "padding byte 33", Pad(good, 22, 33) },
            { "padding 22 but one of its bytes is 21", [.. good, 21, .. Enumerable.Repeat((byte)22, 21)] },
            { "padding 23 where there are 22", Pad(good, 22, 23) },
            { "padding 32 on 16 bytes", Pad([], 16, 32) },
            { "only the random and a length, padded", Pad(new byte[19], 13, 13) },
            { "length field past the end", Pad(Layout(100, "ciao"u8.ToArray(), app), 22, 22) },
            { "length field 0xFFFFFFFF", Pad(Layout(uint.MaxValue, "ciao"u8.ToArray(), app), 22, 22) },
            { "length field one short: the AppID gets an extra byte", Pad(Layout(3, "ciao"u8.ToArray(), app), 22, 22) },
            { "no AppID", Pad(Layout(4, "ciao"u8.ToArray(), []), 8, 8) },
            { "AppID followed by a byte", Pad(Layout(4, "ciao"u8.ToArray(), [.. app, (byte)'!']), 21, 21) },
        };
    }

    [Theory]
    [MemberData(nameof(BadPlaintexts))]
    public void A_well_encrypted_but_malformed_plaintext_is_refused(string why, byte[] plain)
    {
        Assert.NotEmpty(why);
        Assert.Equal(0, plain.Length % 16);
        var encrypted = EncryptRaw(plain, VectorKey);
        Assert.Throws<CryptographicException>(() => WeChatCrypto.Decrypt(encrypted, VectorKey, VectorAppId));
    }

    [Fact]
    public void The_raw_encryption_used_to_build_malformed_plaintexts_builds_a_valid_one_too()
    {
        // So the previous test refuses the plaintexts for what is wrong in them, not for how they were encrypted.
        byte[] plain = [.. VectorRandom, .. BigEndian(4), .. "ciao"u8, .. Encoding.ASCII.GetBytes(VectorAppId), .. Enumerable.Repeat((byte)22, 22)];
        Assert.Equal("ciao", WeChatCrypto.Decrypt(EncryptRaw(plain, VectorKey), VectorKey, VectorAppId));
        Assert.Equal(WeChatCrypto.Encrypt("ciao", VectorKey, VectorAppId, VectorRandom), EncryptRaw(plain, VectorKey));
    }

    // ---------------------------------------------------------------------------------------------------------
    // XML: what is refused

    [Fact]
    public void An_external_entity_is_refused_and_no_file_is_read()
    {
        const string Xxe = """
            <?xml version="1.0" encoding="utf-8"?>
            <!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName>&xxe;</FromUserName><CreateTime>1348831860</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>
            """;
        var e = Assert.Throws<XmlException>(() => WeChatXml.Parse(Xxe));
        Assert.DoesNotContain("root:", e.Message, StringComparison.Ordinal);
        Assert.Throws<XmlException>(() => WeChatXml.Fields(Xxe));
    }

    [Fact]
    public void A_parameter_entity_and_an_external_dtd_are_refused()
    {
        Assert.Throws<XmlException>(() => WeChatXml.Fields("""<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><xml><A>1</A></xml>"""));
        Assert.Throws<XmlException>(() => WeChatXml.Fields("""<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><A>1</A></xml>"""));
    }

    [Fact]
    public void Billion_laughs_is_refused()
    {
        var lol = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY lol0 \"lol\">");
        for (var i = 1; i <= 9; i++)
        {
            lol.Append("<!ENTITY lol").Append(i).Append(" \"").Append(string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))).Append("\">");
        }

        lol.Append("]><xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content></xml>");
        Assert.Throws<XmlException>(() => WeChatXml.Parse(lol.ToString()));
    }

    [Theory]
    [InlineData("<!DOCTYPE xml><xml><A>1</A></xml>")]
    [InlineData("<!DOCTYPE xml []><xml><A>1</A></xml>")]
    [InlineData("<!DOCTYPE xml [<!-- nothing -->]><xml><A>1</A></xml>")]
    [InlineData("<!DOCTYPE xml [<!ELEMENT xml ANY>]><xml><A>1</A></xml>")]
    [InlineData("<!DOCTYPE xml PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\"><xml><A>1</A></xml>")]
    [InlineData("<?xml version=\"1.0\"?>\n<!DOCTYPE html><xml><A>1</A></xml>")]
    public void A_doctype_of_any_kind_is_refused(string xml) =>
        Assert.Throws<XmlException>(() => WeChatXml.Fields(xml));

    [Fact]
    public void A_body_longer_than_max_body_is_refused_and_one_of_max_body_is_read()
    {
        const string Head = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>";
        const string Tail = "</Content></xml>";
        static string Of(int length) => Head + new string('x', length - Head.Length - Tail.Length) + Tail;

        Assert.Equal(WeChatXml.MaxBody, Of(WeChatXml.MaxBody).Length);
        Assert.Equal(WeChatXml.MaxBody - Head.Length - Tail.Length, WeChatXml.Parse(Of(WeChatXml.MaxBody)).Content!.Length);
        Assert.Throws<XmlException>(() => WeChatXml.Parse(Of(WeChatXml.MaxBody + 1)));
        Assert.Throws<XmlException>(() => WeChatXml.Parse(Of(WeChatXml.MaxBody * 16)));
        Assert.Throws<XmlException>(() => WeChatXml.Fields("<xml>" + new string(' ', WeChatXml.MaxBody) + "</xml>")); // whitespace counts too
    }

    [Theory]
    [InlineData("<message><ToUserName>a</ToUserName></message>")]
    [InlineData("<XML><ToUserName>a</ToUserName></XML>")]
    [InlineData("<root><xml><ToUserName>a</ToUserName></xml></root>")]
    public void A_root_other_than_xml_is_refused(string xml) =>
        Assert.Throws<XmlException>(() => WeChatXml.Fields(xml));

    [Theory]
    [InlineData("")]
    [InlineData("success")]
    [InlineData("{\"ToUserName\":\"a\"}")]
    [InlineData("<xml><A>1</A>")]
    [InlineData("<xml><A>1</B></xml>")]
    [InlineData("<xml/><xml/>")]
    [InlineData("<xml/>trailing")]
    [InlineData("<xml><A>&nbsp;</A></xml>")]
    [InlineData("<xml><A>&#0;</A></xml>")]
    public void What_is_not_one_well_formed_document_is_refused_with_an_xml_exception(string xml) =>
        Assert.Throws<XmlException>(() => WeChatXml.Fields(xml));

    [Theory]
    [InlineData("ToUserName")]
    [InlineData("FromUserName")]
    [InlineData("CreateTime")]
    [InlineData("MsgType")]
    public void A_callback_without_what_every_callback_has_is_refused(string name)
    {
        var fields = new Dictionary<string, string> { ["ToUserName"] = "gh_1", ["FromUserName"] = "oUser", ["CreateTime"] = "1348831860", ["MsgType"] = "text", ["Content"] = "ciao", ["MsgId"] = "1" };
        Assert.NotNull(WeChatXml.Parse(Xml(fields)));

        fields[name] = string.Empty;
        Assert.Throws<XmlException>(() => WeChatXml.Parse(Xml(fields)));
        fields.Remove(name);
        Assert.Throws<XmlException>(() => WeChatXml.Parse(Xml(fields)));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("1e9")]
    [InlineData("253402300800")]          // after 9999-12-31
    [InlineData("99999999999999999999")]  // not a long
    public void A_create_time_that_is_not_a_unix_time_is_refused(string createTime) =>
        Assert.Throws<XmlException>(() => WeChatXml.Parse(Xml(new() { ["ToUserName"] = "gh_1", ["FromUserName"] = "oUser", ["CreateTime"] = createTime, ["MsgType"] = "text" })));

    // ---------------------------------------------------------------------------------------------------------
    // XML: messages and events (the samples of WeChat's documentation)

    [Fact]
    public void A_text_message_is_read_with_every_field()
    {
        const string Text = """
            <xml>
              <ToUserName><![CDATA[toUser]]></ToUserName>
              <FromUserName><![CDATA[fromUser]]></FromUserName>
              <CreateTime>1348831860</CreateTime>
              <MsgType><![CDATA[text]]></MsgType>
              <Content><![CDATA[this is a test]]></Content>
              <MsgId>1234567890123456</MsgId>
              <MsgDataId>xxxx</MsgDataId>
              <Idx>xxxx</Idx>
            </xml>
            """;
        var m = WeChatXml.Parse(Text);
        Assert.Equal("toUser", m.ToUserName);
        Assert.Equal("fromUser", m.FromUserName);
        Assert.Equal(new DateTime(2012, 9, 28, 11, 31, 0, DateTimeKind.Utc), m.CreateTime);
        Assert.Equal(DateTimeKind.Utc, m.CreateTime.Kind);
        Assert.Equal("text", m.MsgType);
        Assert.Equal("this is a test", m.Content);
        Assert.Equal("1234567890123456", m.MsgId);
        Assert.False(m.IsEvent);
        Assert.Null(m.Event);
        Assert.Null(m.EventKey);
        Assert.Null(m.Scene);
        Assert.Null(m.MassSend);
        Assert.Equal("1234567890123456", m.DedupeKey);
    }

    [Fact]
    public void Text_without_cdata_with_entities_and_in_chinese_is_read_as_written()
    {
        var m = WeChatXml.Parse("<xml><ToUserName>gh_1</ToUserName><FromUserName>oUser</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>订阅 &amp; &lt;b&gt; &#x4E2D;</Content><MsgId>7</MsgId></xml>");
        Assert.Equal("订阅 & <b> 中", m.Content);
    }

    [Fact]
    public void A_follow_from_a_flyer_qr_code_carries_its_scene()
    {
        var m = WeChatXml.Parse(Event("subscribe", "qrscene_flyer-2026", "<Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2tIVVZ0RWJsOVNnZ0ZTWWxJN3gxAAIEWjK+WAMEAAAAAA==]]></Ticket>"));
        Assert.True(m.IsEvent);
        Assert.Equal("subscribe", m.Event);
        Assert.Equal("qrscene_flyer-2026", m.EventKey);
        Assert.Equal("flyer-2026", m.Scene);
        Assert.Null(m.MsgId);
        Assert.Null(m.MassSend);
        Assert.Equal("oFollower:1481013459:subscribe", m.DedupeKey);
    }

    [Theory]
    [InlineData(null)]          // a follow from a search: no EventKey
    [InlineData("")]            // or an empty one
    [InlineData("qrscene_")]    // a scene of nothing
    [InlineData("flyer-2026")]  // a subscribe's key is only a scene with the prefix
    public void A_follow_without_a_scene_has_none(string? eventKey) =>
        Assert.Null(WeChatXml.Parse(Event("subscribe", eventKey)).Scene);

    [Fact]
    public void A_scan_by_a_follower_carries_the_scene_as_its_event_key()
    {
        var m = WeChatXml.Parse(Event("SCAN", "flyer-2026", "<Ticket><![CDATA[TICKET]]></Ticket>"));
        Assert.Equal("SCAN", m.Event);
        Assert.Equal("flyer-2026", m.Scene);
        Assert.Equal("oFollower:1481013459:SCAN", m.DedupeKey);
        Assert.Null(WeChatXml.Parse(Event("SCAN", "")).Scene);
    }

    [Fact]
    public void Unsubscribe_and_menu_clicks_have_no_scene()
    {
        var left = WeChatXml.Parse(Event("unsubscribe", null));
        Assert.True(left.IsEvent);
        Assert.Equal("unsubscribe", left.Event);
        Assert.Null(left.Scene);
        Assert.Equal("oFollower:1481013459:unsubscribe", left.DedupeKey);

        var click = WeChatXml.Parse(Event("CLICK", "qrscene_menu"));
        Assert.Equal("qrscene_menu", click.EventKey);
        Assert.Null(click.Scene);
    }

    [Fact]
    public void The_end_of_a_mass_send_reports_its_counts()
    {
        var m = WeChatXml.Parse(Event("MASSSENDJOBFINISH", null, """
            <MsgID>1000001625</MsgID>
            <Status><![CDATA[send success]]></Status>
            <TotalCount>100</TotalCount>
            <FilterCount>80</FilterCount>
            <SentCount>75</SentCount>
            <ErrorCount>5</ErrorCount>
            <CopyrightCheckResult><Count>0</Count><ResultList></ResultList><CheckState>1</CheckState></CopyrightCheckResult>
            """));
        Assert.Equal(new WeChatMassSendResult("1000001625", "send success", 100, 80, 75, 5), m.MassSend);
        Assert.True(m.MassSend!.Succeeded);
        Assert.Null(m.MsgId); // MsgID, the mass send's id, is not the message id MsgId
        Assert.Equal("oFollower:1481013459:MASSSENDJOBFINISH", m.DedupeKey);
    }

    [Fact]
    public void A_failed_mass_send_is_not_a_success_and_one_without_its_id_is_refused()
    {
        var failed = WeChatXml.Parse(Event("MASSSENDJOBFINISH", null, "<MsgID>1000001626</MsgID><Status><![CDATA[err(30003)]]></Status><TotalCount>0</TotalCount><FilterCount>0</FilterCount><SentCount>0</SentCount><ErrorCount>0</ErrorCount>"));
        Assert.Equal(new WeChatMassSendResult("1000001626", "err(30003)", 0, 0, 0, 0), failed.MassSend);
        Assert.False(failed.MassSend!.Succeeded);

        Assert.Throws<XmlException>(() => WeChatXml.Parse(Event("MASSSENDJOBFINISH", null, "<Status>send success</Status>")));
    }

    [Fact]
    public void Retries_share_a_dedupe_key_and_different_callbacks_do_not()
    {
        var message = Xml(new() { ["ToUserName"] = "gh_1", ["FromUserName"] = "oUser", ["CreateTime"] = "1348831860", ["MsgType"] = "text", ["Content"] = "temi", ["MsgId"] = "6000000000000000001" });
        Assert.Equal(WeChatXml.Parse(message).DedupeKey, WeChatXml.Parse(message).DedupeKey);
        Assert.Equal("6000000000000000001", WeChatXml.Parse(message).DedupeKey);

        var keys = new[]
        {
            WeChatXml.Parse(Event("subscribe", null)).DedupeKey,
            WeChatXml.Parse(Event("unsubscribe", null)).DedupeKey,               // same follower and second, another event
            WeChatXml.Parse(Event("subscribe", null, from: "oOther")).DedupeKey, // another follower
            WeChatXml.Parse(Event("subscribe", null, createTime: "1481013460")).DedupeKey,
        };
        Assert.Equal(keys.Length, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_safe_mode_body_gives_its_encrypt_field()
    {
        var f = WeChatXml.Fields($"<xml>\n  <ToUserName><![CDATA[gh_1]]></ToUserName>\n  <Encrypt><![CDATA[{EchoEncrypted}]]></Encrypt>\n</xml>");
        Assert.Equal(EchoEncrypted, f["Encrypt"]);
        Assert.Equal("gh_1", f["ToUserName"]);
        Assert.Equal(2, f.Count);
    }

    // ---------------------------------------------------------------------------------------------------------
    // XML: the passive reply and the envelope

    [Fact]
    public void A_text_reply_swaps_sender_and_recipient_and_reads_back()
    {
        var now = new DateTime(2026, 5, 17, 10, 55, 29, DateTimeKind.Utc);
        var xml = WeChatXml.TextReply("oFollower", "gh_1", now, "Iscrizione attivata ✅");
        var reply = WeChatXml.Parse(xml);
        Assert.Equal("oFollower", reply.ToUserName);
        Assert.Equal("gh_1", reply.FromUserName);
        Assert.Equal(now, reply.CreateTime);
        Assert.Contains("<CreateTime>1779015329</CreateTime>", xml, StringComparison.Ordinal);
        Assert.Equal("text", reply.MsgType);
        Assert.Equal("Iscrizione attivata ✅", reply.Content);
        Assert.Null(reply.MsgId);
        Assert.Equal(["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"], WeChatXml.Fields(xml).Keys);
    }

    [Theory]
    [InlineData("]]>", "]]>")]
    [InlineData("a]]>b]]>c", "a]]>b]]>c")]
    [InlineData("]]]]>>", "]]]]>>")]
    [InlineData("]]", "]]")]
    [InlineData("<![CDATA[x]]></Content><MsgType>event</MsgType>", "<![CDATA[x]]></Content><MsgType>event</MsgType>")]
    [InlineData("&amp; <b>", "&amp; <b>")]
    [InlineData("a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg\uFFFEh\uFFFFi", "abcdefghi")] // characters XML cannot carry are dropped
    [InlineData("tab\there\nnewline", "tab\there\nnewline")]
    [InlineData("a\r\nb\rc", "a\nb\nc")] // XML normalises line ends, inside CDATA too
    [InlineData("emoji 🗑️ ok", "emoji 🗑️ ok")]
    public void Reply_content_survives_cdata_and_what_xml_cannot_carry_is_dropped(string content, string expected)
    {
        var xml = WeChatXml.TextReply("oFollower", "gh_1", DateTime.UnixEpoch, content);
        var reply = WeChatXml.Parse(xml);
        Assert.Equal(expected, reply.Content);
        Assert.Equal("text", reply.MsgType);
        Assert.Equal(DateTime.UnixEpoch, reply.CreateTime);
        Assert.Equal(5, WeChatXml.Fields(xml).Count);
    }

    [Fact]
    public void Unpaired_surrogates_are_dropped_and_pairs_kept()
    {
        // Not theory data: xunit's serialisation of the cases would turn a lone surrogate into U+FFFD before the test.
        var cases = new[]
        {
            ("lone \uD83D high", "lone  high"),
            ("lone \uDE00 low", "lone  low"),
            ("reversed \uDE00\uD83D pair", "reversed  pair"),
            ("at the end \uD83D", "at the end "),
            ("\uD83D\uD83D\uDE00 a high before a pair", "\uD83D\uDE00 a high before a pair"),
            ("pair \uD83D\uDE00 kept", "pair 😀 kept"),
        };
        foreach (var (content, expected) in cases)
        {
            var xml = WeChatXml.TextReply("oFollower", "gh_1", DateTime.UnixEpoch, content);
            Assert.Equal(expected, WeChatXml.Parse(xml).Content);
            Assert.Equal(xml, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(xml))); // UTF-8 on the wire carries it unchanged
        }
    }

    [Fact]
    public void Cdata_escapes_every_field_not_only_the_content()
    {
        var xml = WeChatXml.TextReply("o]]><MsgType>event</MsgType>", "gh\u0001_1", DateTime.UnixEpoch, "x");
        var reply = WeChatXml.Parse(xml);
        Assert.Equal("o]]><MsgType>event</MsgType>", reply.ToUserName);
        Assert.Equal("gh_1", reply.FromUserName);
        Assert.Equal("text", reply.MsgType);

        var sb = new StringBuilder();
        WeChatXml.Cdata(sb, "Content", "a]]>b");
        Assert.Equal("<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>", sb.ToString());
    }

    [Fact]
    public void The_reply_time_is_the_same_instant_whatever_the_kind_of_date_time()
    {
        var utc = new DateTime(2026, 5, 17, 10, 55, 29, DateTimeKind.Utc);
        string Time(DateTime t) => WeChatXml.Fields(WeChatXml.TextReply("o", "gh", t, "x"))["CreateTime"];
        Assert.Equal("1779015329", Time(utc));
        Assert.Equal("1779015329", Time(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified))); // taken as UTC
        Assert.Equal("1779015329", Time(utc.ToLocalTime()));                                 // the same instant on a server in Rome or Beijing
        Assert.Equal(
            new WeChatInbound("gh", "o", utc, "event", null, null, "subscribe", null, null).DedupeKey,
            new WeChatInbound("gh", "o", utc.ToLocalTime(), "event", null, null, "subscribe", null, null).DedupeKey);
    }

    [Fact]
    public void An_encrypted_reply_envelope_round_trips_through_signature_decryption_and_parse()
    {
        const string Timestamp = "1409659813";
        const string Nonce = "1372623149";
        var reply = WeChatXml.TextReply("oFollower", "gh_1", new DateTime(2014, 9, 2, 12, 10, 13, DateTimeKind.Utc), "Grazie! ]]> 谢谢");
        var encrypted = WeChatCrypto.Encrypt(reply, EchoKey, EchoAppId);
        var signature = WeChatCrypto.Signature(EchoToken, Timestamp, Nonce, encrypted);
        var envelope = WeChatXml.Envelope(encrypted, signature, Timestamp, Nonce);

        var f = WeChatXml.Fields(envelope);
        Assert.Equal(["Encrypt", "MsgSignature", "TimeStamp", "Nonce"], f.Keys);
        Assert.Equal(Timestamp, f["TimeStamp"]);
        Assert.Equal(Nonce, f["Nonce"]);
        Assert.True(WeChatCrypto.SignatureValid(f["MsgSignature"], EchoToken, f["TimeStamp"], f["Nonce"], f["Encrypt"]));
        var back = WeChatXml.Parse(WeChatCrypto.Decrypt(f["Encrypt"], EchoKey, EchoAppId));
        Assert.Equal("Grazie! ]]> 谢谢", back.Content);
        Assert.Equal("oFollower", back.ToUserName);
        Assert.Equal("gh_1", back.FromUserName);
    }

    [Fact]
    public void A_callback_envelope_carries_its_recipient_and_a_published_vector_round_trips()
    {
        var envelope = WeChatXml.Envelope(EchoEncrypted, EchoSignature, EchoTimestamp, EchoNonce, "gh_1");
        var f = WeChatXml.Fields(envelope);
        Assert.Equal(["ToUserName", "Encrypt", "MsgSignature", "TimeStamp", "Nonce"], f.Keys);
        Assert.Equal("gh_1", f["ToUserName"]);
        Assert.True(WeChatCrypto.SignatureValid(f["MsgSignature"], EchoToken, f["TimeStamp"], f["Nonce"], f["Encrypt"]));
        Assert.Equal(EchoPlain, WeChatCrypto.Decrypt(f["Encrypt"], EchoKey, EchoAppId));
    }

    [Fact]
    public void Every_envelope_field_is_escaped_the_timestamp_too()
    {
        var f = WeChatXml.Fields(WeChatXml.Envelope("e]]>", "s", "1</TimeStamp><Nonce>x</Nonce><A>&amp;", "n", "t<"));
        Assert.Equal("e]]>", f["Encrypt"]);
        Assert.Equal("1</TimeStamp><Nonce>x</Nonce><A>&amp;", f["TimeStamp"]);
        Assert.Equal("n", f["Nonce"]);
        Assert.Equal("t<", f["ToUserName"]);
        Assert.Equal(5, f.Count);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>AES-256-CBC of <paramref name="plain"/> as it is (no padding added), with WeChat's key and IV.</summary>
    private static string EncryptRaw(byte[] plain, string encodingAesKey)
    {
        var key = Convert.FromBase64String(encodingAesKey + "=");
        using var aes = Aes.Create();
        aes.Key = key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>A callback with these elements, in CDATA.</summary>
    private static string Xml(Dictionary<string, string> fields)
    {
        var sb = new StringBuilder("<xml>");
        foreach (var (name, value) in fields)
        {
            WeChatXml.Cdata(sb, name, value);
        }

        return sb.Append("</xml>").ToString();
    }

    /// <summary>An event as WeChat pushes it (the shape of its documentation's samples).</summary>
    private static string Event(string name, string? eventKey, string extra = "", string from = "oFollower", string createTime = "1481013459") =>
        "<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName>"
        + $"<FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>{createTime}</CreateTime>"
        + $"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{name}]]></Event>"
        + (eventKey is null ? string.Empty : $"<EventKey><![CDATA[{eventKey}]]></EventKey>")
        + extra + "</xml>";
}
