using System.Text;
using Microsoft.Extensions.Options;
using Piazza.Channels.WeChat;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Server.Sandbox;

/// <summary>
/// Posts the WeChat simulator's callbacks (followers' messages and events, MASSSENDJOBFINISH) to the account's server,
/// <c>POST /hooks/wechat/{channelId}?signature=&amp;timestamp=&amp;nonce=&amp;openid=</c> on this server (or under
/// <c>Sandbox:WeChat:CallbackBaseUrl</c>), as WeChat posts them: signed with the account's token, encrypted in safe
/// mode, each attempt waiting <c>CallbackTimeout</c> (5 s) for the answer and tried again <c>CallbackRetries</c> (3)
/// times when none comes (or an error status does). The answer goes back to the simulator, which verifies a passive
/// reply and shows it on the follower's phone. One account's callbacks go one after the other, in order; different
/// accounts' go side by side.
/// </summary>
public sealed class WeChatSimulatorCallbacks(
    WeChatSimulator simulator, ISandboxAddress address, IHttpClientFactory http, TimeProvider time, IOptions<WeChatSimulatorOptions> options,
    ILogger<WeChatSimulatorCallbacks> logger) : BackgroundService
{
    /// <summary>The named HttpClient (no overall timeout: each attempt has its own).</summary>
    public const string HttpClientName = "sandbox-wechat";

    private readonly Dictionary<Guid, Task> _tails = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var callback = await simulator.NextCallbackAsync(stoppingToken);
                var channelId = callback.Channel.Id;
                if (_tails.Count > 256)
                {
                    foreach (var done in _tails.Where(t => t.Value.IsCompleted).Select(t => t.Key).ToList())
                    {
                        _tails.Remove(done);
                    }
                }

                _tails[channelId] = AfterAsync(_tails.GetValueOrDefault(channelId) ?? Task.CompletedTask, callback, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task AfterAsync(Task previous, WeChatPendingCallback callback, CancellationToken ct)
    {
        await previous;
        try
        {
            await PostAsync(callback, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "WeChat simulator: the callback {Id} of channel {Channel} failed", callback.Id, callback.Channel.Id);
            simulator.GaveUp(callback, "Dropped");
        }
    }

    private async Task PostAsync(WeChatPendingCallback callback, CancellationToken ct)
    {
        var settings = options.Value;
        var baseUrl = settings.CallbackBaseUrl is { Length: > 0 } configured ? configured : address.BaseAddress?.ToString();
        if (baseUrl is null || !WeChatSimulator.CanSign(callback.Channel))
        {
            logger.LogWarning("WeChat simulator: callback {What} of channel {Channel} dropped (no server address or no token)", callback.Record.What, callback.Channel.Id);
            simulator.GaveUp(callback, "Dropped");
            return;
        }

        var url = $"{baseUrl.TrimEnd('/')}/hooks/wechat/{callback.Channel.Id}";
        var attempts = 1 + Math.Max(0, settings.CallbackRetries);
        for (var number = 1; number <= attempts; number++)
        {
            var post = simulator.Request(callback);
            var target = url + "?" + post.Query;
            var at = time.GetUtcNow();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(settings.CallbackTimeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, target)
                {
                    Content = new StringContent(post.Body, Encoding.UTF8, "text/xml"),
                };
                using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                var status = (int)response.StatusCode;
                var body = await ReadAsync(response, timeout.Token);
                if (!response.IsSuccessStatusCode)
                {
                    simulator.Attempted(callback, new WeChatCallbackAttempt(number, at, target, post.Body, status, "http " + status));
                    continue;
                }

                simulator.Attempted(callback, new WeChatCallbackAttempt(number, at, target, post.Body, status, "answered"));
                simulator.Answered(callback, body);
                return;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                simulator.Attempted(callback, new WeChatCallbackAttempt(number, at, target, post.Body, null, "timeout"));
            }
            catch (HttpRequestException e)
            {
                simulator.Attempted(callback, new WeChatCallbackAttempt(number, at, target, post.Body, null, "error: " + e.Message));
            }
        }

        logger.LogWarning("WeChat simulator: the server of channel {Channel} never answered {What} ({Attempts} attempts)", callback.Channel.Id, callback.Record.What, attempts);
        simulator.GaveUp(callback);
    }

    /// <summary>The answer's body, at most <see cref="WeChatXml.MaxBody"/> characters and one more (a longer one is not a
    /// reply WeChat would read).</summary>
    private static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[WeChatXml.MaxBody + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        return new string(buffer, 0, read);
    }
}
