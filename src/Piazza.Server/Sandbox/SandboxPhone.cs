using System.Globalization;
using System.Text;
using Microsoft.Extensions.Localization;
using Piazza.Audit;
using Piazza.Channels;
using Piazza.Channels.WeChat.Simulator;
using Piazza.Channels.WhatsApp;
using Piazza.Channels.WhatsApp.Simulator;
using Piazza.Common;
using Piazza.Server.Hooks;

namespace Piazza.Server.Sandbox;

/// <summary>The "citizen phone" of the console: a staff member who manages channels plays a citizen on one of the
/// organization's sandbox WhatsApp channels, or a follower of one of its sandbox WeChat accounts. Only sandbox channels
/// and the simulators' conversations are shown.</summary>
public sealed class SandboxPhone(
    ChannelService channels, HookChannels hooks, WhatsAppSimulator simulator, WeChatSimulator wechat, WeChatSandboxMemory memory, ISandboxAddress address, IHttpClientFactory http, IActor actor)
{
    /// <summary>The number the page offers first.</summary>
    public const string DefaultPhone = "+393330000001";

    /// <summary>The WeChat follower the page plays first.</summary>
    public const string DefaultFollower = "Wang Fang";

    /// <summary>The longest text a follower may write (WeChat's own limit is about this).</summary>
    public const int MaxWeChatText = 2000;

    /// <summary>The longest comment on an article.</summary>
    public const int MaxComment = 600;

    /// <summary>The organization's sandbox WhatsApp channels, then its sandbox WeChat channels, then its sandbox Telegram
    /// channels (see <see cref="TelegramPhone"/>).</summary>
    public async Task<IReadOnlyList<ChannelView>> ChannelsAsync(CancellationToken ct)
    {
        Require();
        var all = await channels.ListAsync(ct);
        return [.. all.Where(c => c.Kind == ChannelKind.WhatsApp && c.IsSandbox), .. all.Where(c => c.Kind == ChannelKind.WeChat && c.IsSandbox),
            .. all.Where(c => c.Kind == ChannelKind.Telegram && c.IsSandbox)];
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

    // ─── WeChat: a follower of a sandbox Official Account ──────────────────────────────────────────────────────────

    /// <summary>What the follower sees of the account: their chat, the flyers they can scan, the menu, the articles they
    /// received with their comments.</summary>
    public async Task<WeChatPhoneView> WeChatAsync(Guid channelId, string follower, CancellationToken ct)
    {
        var channel = await SandboxChannelAsync(channelId, ChannelKind.WeChat, ct);
        await memory.EnsureAsync(channelId, ct);
        return WeChatView(channel, follower);
    }

    /// <summary>The same without checking the channel again (only after an action checked it).</summary>
    public WeChatPhoneView WeChatView(ChannelView channel, string follower)
    {
        var openId = WeChatSimulator.OpenIdOf(channel.Id, follower);
        var messages = wechat.Conversation(channel.Id, openId);
        var articles = new List<WeChatArticleView>();
        foreach (var m in messages.Where(m => m is { Kind: WeChatPhoneKind.MassArticle, MsgDataId: not null, Index: not null }))
        {
            var (comments, open) = wechat.Comments(channel.Id, m.MsgDataId!.Value, m.Index!.Value);
            articles.Add(new WeChatArticleView(m.Id, m.MsgDataId.Value, m.Index.Value, m.Title ?? string.Empty, WeChatSimulator.PlainText(m.Content ?? m.Text), m.At, open,
                [.. comments.Where(c => c.OpenId == openId)]));
        }

        return new WeChatPhoneView(channel, follower, openId, wechat.FollowerView(channel.Id, openId) is { Subscribed: true }, messages,
            wechat.Scenes(channel.Id), wechat.Menu(channel.Id), articles, wechat.RecentFollowers(channel.Id, 20));
    }

    /// <summary>Follows the account, by searching it (<paramref name="scene"/> empty) or by scanning the flyer of a scene
    /// (for someone who already follows: a scan).</summary>
    public async Task WeChatFollowAsync(Guid channelId, string follower, string? scene, CancellationToken ct)
    {
        var account = await WeChatAccountAsync(channelId, ct);
        Check(wechat.Follow(account, follower, string.IsNullOrWhiteSpace(scene) ? null : scene.Trim()));
    }

    public async Task WeChatUnfollowAsync(Guid channelId, string follower, CancellationToken ct) =>
        Check(wechat.Unfollow(await WeChatAccountAsync(channelId, ct), follower));

    /// <summary>Writes to the account: the simulator posts it, signed (and encrypted in safe mode), to its server.</summary>
    public async Task WeChatSendAsync(Guid channelId, string follower, string? text, CancellationToken ct)
    {
        var account = await WeChatAccountAsync(channelId, ct);
        new Validation()
            .When(string.IsNullOrWhiteSpace(text), "text", "Write a message.")
            .When(text is { Length: > MaxWeChatText }, "text", "The message is too long (at most 2000 characters).")
            .ThrowIfInvalid();
        Check(wechat.Send(account, follower, text!.Trim()));
    }

    /// <summary>Taps a button of the account's menu.</summary>
    public async Task WeChatClickAsync(Guid channelId, string follower, string? key, CancellationToken ct) =>
        Check(wechat.Click(await WeChatAccountAsync(channelId, ct), follower, key ?? string.Empty));

    /// <summary>Comments on an article the follower received.</summary>
    public async Task WeChatCommentAsync(Guid channelId, string follower, long msgDataId, int index, string? text, CancellationToken ct)
    {
        var account = await WeChatAccountAsync(channelId, ct);
        new Validation()
            .When(string.IsNullOrWhiteSpace(text), "comment", "Write a comment.")
            .When(text is { Length: > MaxComment }, "comment", "The comment is too long (at most 600 characters).")
            .ThrowIfInvalid();
        Check(wechat.Comment(account, follower, msgDataId, index, text!.Trim()));
    }

    /// <summary>A follower's name: letters, digits, spaces, ".", "-" and "_", 1 to 40 characters; null otherwise.</summary>
    public static string? NormalizeFollower(string? name)
    {
        var clean = string.Join(' ', (name ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return clean.Length is >= 1 and <= 40 && clean.All(c => char.IsLetterOrDigit(c) || c is ' ' or '.' or '-' or '_') ? clean : null;
    }

    /// <summary>How the phone shows a line of the chat: a label (null for what the follower did or wrote) and the text.</summary>
    public static (string? Label, string Text) WeChatLine(WeChatPhoneMessage m, IStringLocalizer T) => m.Kind switch
    {
        WeChatPhoneKind.Sent => (null, m.Text),
        WeChatPhoneKind.Event => (null, EventText(m.Text, T)),
        WeChatPhoneKind.Reply => (T["Reply"], m.Text),
        WeChatPhoneKind.CustomerService => (T["Customer service message"], m.Text),
        WeChatPhoneKind.MassText => (T["Mass send"], m.Text),
        WeChatPhoneKind.MassArticle => (T["Article"], (m.Title ?? string.Empty) + "\n" + m.Text),
        _ => ("WeChat", m.Text),
    };

    /// <summary>True for what the follower did or wrote (shown on their side of the chat).</summary>
    public static bool FromFollower(WeChatPhoneMessage m) => m.Kind is WeChatPhoneKind.Sent or WeChatPhoneKind.Event;

    private static string EventText(string text, IStringLocalizer T)
    {
        if (text.StartsWith("subscribe qrscene_", StringComparison.Ordinal))
        {
            return string.Format(CultureInfo.CurrentCulture, T["You followed the account by scanning the flyer \"{0}\"."], text["subscribe qrscene_".Length..]);
        }

        if (text.StartsWith("SCAN ", StringComparison.Ordinal))
        {
            return string.Format(CultureInfo.CurrentCulture, T["You scanned the flyer \"{0}\"."], text["SCAN ".Length..]);
        }

        if (text.StartsWith("CLICK ", StringComparison.Ordinal))
        {
            return string.Format(CultureInfo.CurrentCulture, T["You tapped \"{0}\" in the menu."], text["CLICK ".Length..]);
        }

        return text == "unsubscribe" ? T["You unfollowed the account."] : T["You followed the account."];
    }

    private async Task<ChannelAccount> WeChatAccountAsync(Guid channelId, CancellationToken ct)
    {
        await SandboxChannelAsync(channelId, ChannelKind.WeChat, ct);
        await memory.EnsureAsync(channelId, ct);
        var channel = await hooks.FindAsync(channelId, ChannelKind.WeChat, ct) ?? throw new ConflictException("The channel is not active.");
        return channel.Account;
    }

    private static void Check(WeChatPhoneProblem problem)
    {
        switch (problem)
        {
            case WeChatPhoneProblem.None:
                return;
            case WeChatPhoneProblem.UnknownScene:
                throw ValidationFailedException.For("scene", "The account has no such flyer.");
            case WeChatPhoneProblem.NotFollowing:
                throw new ConflictException("Follow the account first.");
            case WeChatPhoneProblem.AlreadyFollowing:
                throw new ConflictException("You already follow the account.");
            case WeChatPhoneProblem.UnknownButton:
                throw new ConflictException("The account's menu has no such button.");
            case WeChatPhoneProblem.TooManyFollowers:
                throw new ConflictException("The sandbox account has too many followers.");
            case WeChatPhoneProblem.CommentsClosed:
                throw new ConflictException("The article does not take comments.");
            default:
                throw new ConflictException("You did not receive this article.");
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

    private Task<ChannelView> SandboxChannelAsync(Guid channelId, CancellationToken ct) => SandboxChannelAsync(channelId, ChannelKind.WhatsApp, ct);

    private async Task<ChannelView> SandboxChannelAsync(Guid channelId, ChannelKind kind, CancellationToken ct)
    {
        Require();
        var channel = await channels.GetAsync(channelId, ct);
        return channel is { IsSandbox: true } && channel.Kind == kind ? channel : throw new NotFoundException("channel", channelId.ToString());
    }

    private void Require()
    {
        if (!actor.HasScope(Scopes.ChannelsWrite))
        {
            throw new ForbiddenException("Playing a citizen on a sandbox channel needs the permission to manage channels.");
        }
    }
}

/// <summary>What the citizen phone shows of a WeChat follower.</summary>
/// <param name="Following">True while the follower follows the account.</param>
/// <param name="Scenes">The flyers (parameter QR codes) of the account that can be scanned.</param>
/// <param name="Articles">The articles the follower received, with their own comments.</param>
/// <param name="RecentFollowers">The names of the account's followers in the simulator, the most recently active first.</param>
public sealed record WeChatPhoneView(
    ChannelView Channel, string Follower, string OpenId, bool Following, IReadOnlyList<WeChatPhoneMessage> Messages, IReadOnlyList<WeChatScene> Scenes,
    IReadOnlyList<WeChatMenuButton> Menu, IReadOnlyList<WeChatArticleView> Articles, IReadOnlyList<string> RecentFollowers);

/// <summary>An article a follower received, its text without markup, and the follower's comments on it.</summary>
public sealed record WeChatArticleView(
    string Id, long MsgDataId, int Index, string Title, string Text, DateTime At, bool CommentsOpen, IReadOnlyList<WeChatPhoneComment> MyComments);
