using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Piazza.Server.Tests.Infrastructure;
using Xunit;

namespace Piazza.Server.Tests.WhatsApp;

/// <summary>
/// Prism (<c>@stoplight/prism-cli</c>, pinned in tests/tools/package-lock.json) serving Meta's official OpenAPI
/// specification of the WhatsApp Business Cloud API (tests/specs/whatsapp, MIT) as a validating mock on a free loopback
/// port: a request that breaks the specification gets 422 with the violations (401 without a Bearer token), a valid one
/// the specification's example answer. Node runs Prism's script directly (not through npx), so that killing the process
/// tree at the end stops it. If Prism cannot start, every test of the class fails with the reason.
/// </summary>
public sealed class PrismFixture : IAsyncLifetime
{
    public const string SpecPath = "tests/specs/whatsapp/business-messaging-api_v23.0.yaml";
    public const string PrismScript = "tests/tools/node_modules/@stoplight/prism-cli/dist/index.js";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Queue<string> _output = new();
    private Process? _process;

    /// <summary>Prism's address, e.g. http://127.0.0.1:40123 (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Prism's last lines of output, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public async Task InitializeAsync()
    {
        var spec = Path.Combine(Repository.Root, SpecPath);
        var script = Path.Combine(Repository.Root, PrismScript);
        if (!File.Exists(spec))
        {
            throw new InvalidOperationException($"Meta's WhatsApp OpenAPI specification is missing: {spec}.");
        }

        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Prism is not installed ({script} is missing). Run `npm ci --prefix tests/tools` (./test.sh does it).");
        }

        // A free port is chosen before Prism binds it: if another process takes it meanwhile, Prism exits and another is tried.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartAsync(script, spec);
                return;
            }
            catch (PrismExitedException) when (attempt < 3)
            {
                await DisposeAsync();
            }
            catch
            {
                await DisposeAsync(); // no Prism left behind when the tests fail to start
                throw;
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        finally
        {
            _process.Dispose();
            _process = null;
        }
    }

    private async Task StartAsync(string script, string spec)
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("PIAZZA_NODE") ?? "node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        foreach (var arg in new[] { script, "mock", "--errors", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), spec })
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"Node.js is needed to run Prism and could not be started ({e.Message}). Install Node.js 20 (./test.sh does it) or set PIAZZA_NODE.", e);
        }

        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Loading the 1 MB specification takes a few seconds: wait until Prism answers anything over HTTP.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new PrismExitedException($"Prism exited with code {_process.ExitCode} before answering on {BaseUrl}:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseUrl + "/"));
                return; // 404 (no such path in the specification) is an answer: Prism is listening.
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (deadline.Elapsed > StartTimeout)
                {
                    throw new InvalidOperationException($"Prism did not answer on {BaseUrl} within {StartTimeout.TotalSeconds} s:\n{Output}", e);
                }
            }

            await Task.Delay(200);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Prism stopped before answering (e.g. its port was taken meanwhile).</summary>
public sealed class PrismExitedException(string message) : Exception(message);
