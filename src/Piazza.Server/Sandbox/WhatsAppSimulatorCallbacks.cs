using System.Text;
using Piazza.Channels;
using Piazza.Channels.WhatsApp;
using Piazza.Channels.WhatsApp.Simulator;

namespace Piazza.Server.Sandbox;

/// <summary>Posts the simulator's status callbacks ("sent", "delivered", "read", a <c>StatusDelay</c> apart) to
/// <c>/hooks/whatsapp/{channelId}</c> on this server, signed with the channel's app secret as Meta signs them, the
/// statuses due together in one notification per channel. It reads the simulator's bounded queue, so a send never
/// waits for it.</summary>
public sealed class WhatsAppSimulatorCallbacks(
    WhatsAppSimulator simulator, ISandboxAddress address, IHttpClientFactory http, TimeProvider time, ILogger<WhatsAppSimulatorCallbacks> logger) : BackgroundService
{
    public const string HttpClientName = "sandbox";

    private const int MaxBatch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = simulator.Callbacks;
        var batch = new List<StatusCallback>();
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (reader.TryPeek(out var first))
                {
                    var wait = first.Due - time.GetUtcNow();
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, time, stoppingToken);
                    }

                    batch.Clear();
                    var now = time.GetUtcNow();
                    while (batch.Count < MaxBatch && reader.TryPeek(out var next) && next.Due <= now && reader.TryRead(out next))
                    {
                        batch.Add(next);
                    }

                    foreach (var channel in batch.GroupBy(c => c.Channel.Id))
                    {
                        var callbacks = channel.ToList();
                        if (await PostAsync(callbacks[0].Channel, callbacks, stoppingToken))
                        {
                            callbacks.ForEach(simulator.Posted);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> PostAsync(ChannelAccount channel, List<StatusCallback> callbacks, CancellationToken ct)
    {
        var secret = channel.Secret(WhatsAppChannel.AppSecret);
        if (address.BaseAddress is not { } baseAddress || secret is null)
        {
            logger.LogWarning("WhatsApp simulator: {Count} status callbacks of channel {Channel} dropped (no server address or no app secret)", callbacks.Count, channel.Id);
            return false;
        }

        var body = simulator.StatusNotification(channel, callbacks);
        var bytes = Encoding.UTF8.GetBytes(body);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, $"/hooks/whatsapp/{channel.Id}"))
            {
                Content = new ByteArrayContent(bytes) { Headers = { { "Content-Type", "application/json" } } },
            };
            request.Headers.Add("X-Hub-Signature-256", WhatsAppWebhook.Sign(bytes, secret));
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("WhatsApp simulator: the webhook of channel {Channel} answered {Status} to {Count} statuses", channel.Id, (int)response.StatusCode, callbacks.Count);
                return false;
            }

            return true;
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning(e, "WhatsApp simulator: could not post {Count} statuses to the webhook of channel {Channel}", callbacks.Count, channel.Id);
            return false;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("WhatsApp simulator: the webhook of channel {Channel} did not answer in time", channel.Id);
            return false;
        }
    }
}
