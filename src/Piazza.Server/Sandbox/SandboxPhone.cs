using System.Text;
using Piazza.Audit;
using Piazza.Channels;
using Piazza.Channels.WhatsApp;
using Piazza.Channels.WhatsApp.Simulator;
using Piazza.Common;
using Piazza.Server.Hooks;

namespace Piazza.Server.Sandbox;

/// <summary>The "citizen phone" of the console: a staff member who manages channels plays a citizen on one of the
/// organization's sandbox WhatsApp channels. Only sandbox channels and the simulator's conversations are shown.</summary>
public sealed class SandboxPhone(
    ChannelService channels, HookChannels hooks, WhatsAppSimulator simulator, ISandboxAddress address, IHttpClientFactory http, IActor actor)
{
    /// <summary>The number the page offers first.</summary>
    public const string DefaultPhone = "+393330000001";

    /// <summary>The organization's sandbox WhatsApp channels.</summary>
    public async Task<IReadOnlyList<ChannelView>> ChannelsAsync(CancellationToken ct)
    {
        Require();
        return [.. (await channels.ListAsync(ct)).Where(c => c.Kind == ChannelKind.WhatsApp && c.IsSandbox)];
    }

    /// <summary>What the phone exchanged with the channel, oldest first.</summary>
    public async Task<IReadOnlyList<SimulatedMessage>> MessagesAsync(Guid channelId, string phone, CancellationToken ct)
    {
        await SandboxChannelAsync(channelId, ct);
        return simulator.Store.Find(channelId, phone)?.Messages() ?? [];
    }

    /// <summary>The conversation without checking the channel again (only after <see cref="SendAsync"/> checked it).</summary>
    public IReadOnlyList<SimulatedMessage> StoredMessages(Guid channelId, string phone) => simulator.Store.Find(channelId, phone)?.Messages() ?? [];

    /// <summary>The numbers that have a conversation with the channel (only after <see cref="MessagesAsync"/> checked it).</summary>
    public IReadOnlyList<string> RecentPhones(Guid channelId) => simulator.Store.Phones(channelId, 20);

    /// <summary>Sends <paramref name="text"/> from <paramref name="phone"/> to the channel: the simulator posts it,
    /// signed, to the channel's webhook, as Meta would.</summary>
    public async Task SendAsync(Guid channelId, string phone, string? text, CancellationToken ct)
    {
        await SandboxChannelAsync(channelId, ct);
        var v = new Validation();
        if (string.IsNullOrWhiteSpace(text))
        {
            v.Add("text", "Write a message.");
        }
        else if (text.Length > 4096)
        {
            v.Add("text", "The message is too long (at most 4096 characters).");
        }

        v.ThrowIfInvalid();
        var channel = await hooks.FindAsync(channelId, ChannelKind.WhatsApp, ct)
            ?? throw new ConflictException("The channel is not active.");
        var secret = channel.Account.Secret(WhatsAppChannel.AppSecret)
            ?? throw new ConflictException("The channel has no app secret: the simulator cannot sign its messages.");
        if (address.BaseAddress is not { } baseAddress)
        {
            throw new ConflictException("The server's address is not known: set Sandbox:BaseUrl.");
        }

        var (_, notification) = simulator.FromCitizen(channel.Account, phone, text!.Trim());
        var bytes = Encoding.UTF8.GetBytes(notification);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, $"/hooks/whatsapp/{channelId}"))
        {
            Content = new ByteArrayContent(bytes) { Headers = { { "Content-Type", "application/json" } } },
        };
        request.Headers.Add("X-Hub-Signature-256", WhatsAppWebhook.Sign(bytes, secret));
        using var response = await http.CreateClient(WhatsAppSimulatorCallbacks.HttpClientName).SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new ConflictException("The channel's webhook refused the message.");
        }
    }

    /// <summary>"+39 333 000 0001" → "+393330000001"; null when it is not E.164 ("+" and 8 to 15 digits).</summary>
    public static string? NormalizePhone(string? phone)
    {
        if (phone is null)
        {
            return null;
        }

        var compact = new string([.. phone.Where(c => c is not (' ' or '-' or '.' or '(' or ')'))]);
        return compact.Length is >= 9 and <= 16 && compact[0] == '+' && compact[1] != '0' && compact[1..].All(char.IsAsciiDigit) ? compact : null;
    }

    private async Task<ChannelView> SandboxChannelAsync(Guid channelId, CancellationToken ct)
    {
        Require();
        var channel = await channels.GetAsync(channelId, ct);
        return channel is { Kind: ChannelKind.WhatsApp, IsSandbox: true } ? channel : throw new NotFoundException("channel", channelId.ToString());
    }

    private void Require()
    {
        if (!actor.HasScope(Scopes.ChannelsWrite))
        {
            throw new ForbiddenException("Playing a citizen on a sandbox channel needs the permission to manage channels.");
        }
    }
}
