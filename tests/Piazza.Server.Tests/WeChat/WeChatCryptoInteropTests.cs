using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Piazza.Channels.WeChat;
using Piazza.Server.Tests.Infrastructure;
using Xunit;

namespace Piazza.Server.Tests.WeChat;

/// <summary>
/// Piazza's WeChat safe mode against an independent implementation: the npm package <c>wechat-crypto</c> (node-webot,
/// pinned in tests/tools/package-lock.json and installed by ./test.sh's <c>npm ci</c>), run by Node.js. Node decrypts
/// what C# encrypted and encrypts the same messages for C# to decrypt, and both sign; the lengths cover every padding
/// from 1 to 32 bytes. Any disagreement fails the test, and so do a missing Node or package (nothing is skipped).
/// </summary>
public sealed class WeChatCryptoInteropTests
{
    public const string PackageDir = "tests/tools/node_modules/wechat-crypto";
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Reads {module, accounts:[{token,key,appId,timestamp,nonce,cases:[{message,csCipher}]}]} from stdin and
    /// writes, per account and case, wechat-crypto's decryption of C#'s ciphertext, its own ciphertext of the message,
    /// and its signatures of both.</summary>
    private const string Script = """
        const WXBizMsgCrypt = require(process.argv[1]);
        let input = '';
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', d => { input += d; });
        process.stdin.on('end', () => {
          const request = JSON.parse(input);
          const accounts = request.accounts.map(a => {
            const crypt = new WXBizMsgCrypt(a.token, a.key, a.appId);
            return a.cases.map(c => {
              const fromCs = crypt.decrypt(c.csCipher);
              const nodeCipher = crypt.encrypt(c.message);
              return {
                message: fromCs.message,
                appId: fromCs.id,
                nodeCipher,
                nodeSignature: crypt.getSignature(a.timestamp, a.nonce, nodeCipher),
                csCipherSignature: crypt.getSignature(a.timestamp, a.nonce, c.csCipher),
              };
            });
          });
          process.stdout.write(JSON.stringify({ accounts }));
        });
        """;

    private static readonly string[] Messages =
    [
        .. Enumerable.Range(0, 40).Select(n => new string((char)('a' + (n % 26)), n)), // every padding length, 0 to 39 bytes
        "我是中文abcd123",
        "Raccolta differenziata: lunedì carta, martedì plastica 🗑️♻️",
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>",
        "1616140317555161061",
        string.Concat(Enumerable.Repeat("订阅 ATTIVA ISCRIZIONE ", 300)),
    ];

    private sealed record Account(string Token, string Key, string AppId, string Timestamp, string Nonce);

    [Fact]
    public async Task Node_and_csharp_decrypt_each_others_messages_and_agree_on_signatures()
    {
        var accounts = new[]
        {
            new Account("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7", "1409659589", "263014780"),
            new Account("AAAAA", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6", "1715943329", "1590219412"),
            new Account(
                RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32),
                RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 43),
                "wx" + RandomNumberGenerator.GetHexString(16, lowercase: true),
                DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                RandomNumberGenerator.GetInt32(1, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        var csCiphers = accounts.Select(a => Messages.Select(m => WeChatCrypto.Encrypt(m, a.Key, a.AppId)).ToArray()).ToArray();

        var request = new JsonObject
        {
            ["accounts"] = new JsonArray([.. accounts.Select((a, i) => (JsonNode)new JsonObject
            {
                ["token"] = a.Token,
                ["key"] = a.Key,
                ["appId"] = a.AppId,
                ["timestamp"] = a.Timestamp,
                ["nonce"] = a.Nonce,
                ["cases"] = new JsonArray([.. Messages.Select((m, j) => (JsonNode)new JsonObject { ["message"] = m, ["csCipher"] = csCiphers[i][j] })]),
            })]),
        };
        var answer = await RunNodeAsync(request);

        var problems = new List<string>();
        var results = answer["accounts"]!.AsArray();
        Assert.Equal(accounts.Length, results.Count);
        for (var i = 0; i < accounts.Length; i++)
        {
            var a = accounts[i];
            var cases = results[i]!.AsArray();
            Assert.Equal(Messages.Length, cases.Count);
            for (var j = 0; j < Messages.Length; j++)
            {
                var r = cases[j]!;
                var where = $"account {i} (key {a.Key}, appid {a.AppId}), message {j} ({Messages[j].Length} chars)";
                var nodeCipher = (string)r["nodeCipher"]!;

                // Node reads what C# wrote: the message and the AppID it is addressed to.
                Check((string?)r["message"] == Messages[j], $"{where}: wechat-crypto decrypted C#'s ciphertext to \"{r["message"]}\"");
                Check((string?)r["appId"] == a.AppId, $"{where}: wechat-crypto found AppID \"{r["appId"]}\" in C#'s ciphertext");

                // C# reads what Node wrote.
                try
                {
                    Check(WeChatCrypto.Decrypt(nodeCipher, a.Key, a.AppId) == Messages[j], $"{where}: C# decrypted wechat-crypto's {nodeCipher} to something else");
                }
                catch (CryptographicException e)
                {
                    problems.Add($"{where}: C# refused wechat-crypto's {nodeCipher}: {e.Message}");
                }

                // Both sign alike, C#'s ciphertexts and Node's.
                Check((string?)r["nodeSignature"] == WeChatCrypto.Signature(a.Token, a.Timestamp, a.Nonce, nodeCipher), $"{where}: signatures of wechat-crypto's ciphertext differ");
                Check(WeChatCrypto.SignatureValid((string?)r["nodeSignature"], a.Token, a.Timestamp, a.Nonce, nodeCipher), $"{where}: C# refused wechat-crypto's signature");
                Check((string?)r["csCipherSignature"] == WeChatCrypto.Signature(a.Token, a.Timestamp, a.Nonce, csCiphers[i][j]), $"{where}: signatures of C#'s ciphertext differ");

                // And the ciphertexts are tied to the account: C# refuses Node's for another AppID.
                Check(Throws(() => WeChatCrypto.Decrypt(nodeCipher, a.Key, a.AppId + "x")), $"{where}: C# accepted wechat-crypto's ciphertext for another AppID");
            }
        }

        Assert.Empty(problems);

        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }
    }

    [Fact]
    public async Task Node_reads_the_published_echostr_as_csharp_does()
    {
        // A check of the other side: wechat-crypto agrees with Tencent's published vector, so when the previous test
        // fails it is the disagreement with C# that it shows, not a broken Node installation.
        const string Echo = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
        var account = new Account("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7", "1409659589", "263014780");
        var request = new JsonObject
        {
            ["accounts"] = new JsonArray(new JsonObject
            {
                ["token"] = account.Token,
                ["key"] = account.Key,
                ["appId"] = account.AppId,
                ["timestamp"] = account.Timestamp,
                ["nonce"] = account.Nonce,
                ["cases"] = new JsonArray(new JsonObject { ["message"] = "x", ["csCipher"] = Echo }),
            }),
        };
        var r = (await RunNodeAsync(request))["accounts"]![0]![0]!;
        Assert.Equal("1616140317555161061", (string?)r["message"]);
        Assert.Equal(account.AppId, (string?)r["appId"]);
        Assert.Equal("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", (string?)r["csCipherSignature"]);
        Assert.Equal(WeChatCrypto.Decrypt(Echo, account.Key, account.AppId), (string?)r["message"]);
        Assert.Equal(WeChatCrypto.Signature(account.Token, account.Timestamp, account.Nonce, Echo), (string?)r["csCipherSignature"]);
    }

    private static bool Throws(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (CryptographicException)
        {
            return true;
        }
    }

    /// <summary>Runs <see cref="Script"/> with <paramref name="request"/> on stdin; its stdout as JSON. Throws (so the test
    /// fails) when Node or the package is missing, when Node fails, or when it has not finished within <see cref="NodeTimeout"/>.</summary>
    private static async Task<JsonNode> RunNodeAsync(JsonNode request)
    {
        var package = Path.Combine(Repository.Root, PackageDir);
        if (!File.Exists(Path.Combine(package, "package.json")))
        {
            throw new InvalidOperationException($"wechat-crypto is not installed ({package} is missing). Run `npm ci --prefix tests/tools` (./test.sh does it).");
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("PIAZZA_NODE") ?? "node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(Repository.Root, "tests/tools"),
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in new[] { "--no-deprecation", "-e", Script, package })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"Node.js is needed to run wechat-crypto and could not be started ({e.Message}). Install Node.js 20 (./test.sh does it) or set PIAZZA_NODE.", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(NodeTimeout);
            try
            {
                await process.StandardInput.WriteAsync(request.ToJsonString());
                process.StandardInput.Close();
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"node did not finish within {NodeTimeout.TotalSeconds} s.");
            }

            var output = await stdout;
            var errors = await stderr;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"node exited with code {process.ExitCode}:\n{errors}\n{output}");
            }

            try
            {
                return JsonNode.Parse(output) ?? throw new InvalidOperationException("node wrote null.");
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"node did not write JSON:\n{output}\n{errors}", e);
            }
        }
    }
}
