using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Piazza.Channels.Telegram.Simulator;

/// <summary>Settings of Piazza's Telegram simulator (section "Sandbox:Telegram").</summary>
public sealed class TelegramSimulatorOptions
{
    public const string Section = "Sandbox:Telegram";

    /// <summary>Messages a second to one chat (Telegram: about one), after a burst of <see cref="PerChatBurst"/>.</summary>
    public double PerChatPerSecond { get; set; } = 1;

    public int PerChatBurst { get; set; } = 3;

    /// <summary>Messages a second from one bot (Telegram: about 30), also its burst.</summary>
    public double PerBotPerSecond { get; set; } = 30;

    /// <summary>Chats kept in memory per bot (the least recently active go first).</summary>
    public int MaxChats { get; set; } = 1000;

    /// <summary>Messages kept per chat (the oldest go first).</summary>
    public int MaxMessagesPerChat { get; set; } = 100;
}

/// <summary>The simulator's answer to a Bot API call: an HTTP status and Telegram's JSON.</summary>
public sealed record TelegramAnswer(int Status, JsonObject Body);

/// <summary>A message in a simulated chat (or a post in the simulated public channel).</summary>
/// <param name="MessageId">Telegram's message id.</param>
/// <param name="FromCitizen">True for what the person wrote, false for the bot's messages.</param>
/// <param name="Text">The text as the app shows it (tags removed, entities decoded).</param>
/// <param name="Raw">The text as sent (HTML when <paramref name="ParseMode"/> is HTML).</param>
/// <param name="ParseMode">The bot's parse mode, if any.</param>
/// <param name="At">When.</param>
public sealed record TelegramSimMessage(long MessageId, bool FromCitizen, string Text, string Raw, string? ParseMode, DateTimeOffset At);

/// <summary>A person's chat with a simulated bot, as the simulator knows it.</summary>
/// <param name="ChatId">The chat id (a private chat's is the person's user id).</param>
/// <param name="FirstName">The name the person's app sent ("?" for a chat learnt from Piazza's subscribers).</param>
/// <param name="LanguageCode">The app's language, as it last sent it.</param>
/// <param name="Blocked">True while the person has blocked the bot.</param>
/// <param name="LastActive">The last message in the chat.</param>
public sealed record TelegramSimChat(long ChatId, string FirstName, string? LanguageCode, bool Blocked, DateTimeOffset LastActive);

/// <summary>
/// Piazza's stand-in for the Telegram Bot API, used by sandbox channels (<c>/sandbox/telegram/bot&lt;token&gt;/&lt;method&gt;</c>):
/// <c>getMe</c>, <c>setWebhook</c>, <c>getWebhookInfo</c>, <c>deleteWebhook</c> and <c>sendMessage</c>, validated as Telegram
/// does (text of 1–4096 characters after entity parsing; HTML limited to Telegram's tags and entities, otherwise 400 "can't
/// parse entities"; a chat that never wrote to the bot is "chat not found"; a person who blocked the bot is 403), with a
/// rate limit per chat and per bot answered by 429 and <c>retry_after</c>. Everything is kept in memory only — chats,
/// messages, webhooks — and is lost when the server restarts (a sandbox: nothing in it is real).
/// </summary>
public sealed class TelegramSimulator(TimeProvider time, IOptions<TelegramSimulatorOptions> options)
{
    private readonly TelegramSimulatorOptions _options = options.Value;
    private readonly Dictionary<Guid, Bot> _bots = [];
    private readonly Lock _lock = new();

    /// <summary>A Bot API call by a sandbox channel's bot (<paramref name="account"/> null: no bot has this token).</summary>
    public TelegramAnswer Call(ChannelAccount? account, string method, JsonObject? args)
    {
        if (account is null)
        {
            return Error(401, "Unauthorized");
        }

        args ??= [];
        lock (_lock)
        {
            var bot = BotOf(account);
            switch (method.ToLowerInvariant())
            {
                case "getme":
                    return Ok(new JsonObject
                    {
                        ["id"] = long.Parse(TelegramSandbox.BotIdOf(account.Secret(TelegramChannel.BotToken)) ?? "0", CultureInfo.InvariantCulture),
                        ["is_bot"] = true,
                        ["first_name"] = account.Name,
                        ["username"] = account.Setting(TelegramChannel.BotUsername),
                        ["can_join_groups"] = true,
                        ["can_read_all_group_messages"] = false,
                        ["supports_inline_queries"] = false,
                    });
                case "setwebhook":
                    var url = Str(args["url"]);
                    var secret = Str(args["secret_token"]);
                    if (url is { Length: > 0 } && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
                    {
                        return Error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
                    }

                    if (secret is not null && (secret.Length is 0 or > 256 || secret.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))))
                    {
                        return Error(400, "Bad Request: secret token contains unallowed characters");
                    }

                    bot.WebhookUrl = string.IsNullOrEmpty(url) ? null : url;
                    bot.WebhookSecret = secret;
                    return new TelegramAnswer(200, new JsonObject { ["ok"] = true, ["result"] = true, ["description"] = bot.WebhookUrl is null ? "Webhook was deleted" : "Webhook was set" });
                case "deletewebhook":
                    bot.WebhookUrl = null;
                    bot.WebhookSecret = null;
                    return new TelegramAnswer(200, new JsonObject { ["ok"] = true, ["result"] = true, ["description"] = "Webhook was deleted" });
                case "getwebhookinfo":
                    return Ok(new JsonObject { ["url"] = bot.WebhookUrl ?? string.Empty, ["has_custom_certificate"] = false, ["pending_update_count"] = 0 });
                case "sendmessage":
                    return SendMessage(account, bot, args);
                default:
                    return Error(404, "Not Found");
            }
        }
    }

    /// <summary>True once the simulator has met this sandbox bot (since the server started).</summary>
    public bool Knows(Guid channelId)
    {
        lock (_lock)
        {
            return _bots.ContainsKey(channelId);
        }
    }

    /// <summary>Meeting a sandbox bot for the first time (after a restart, or the demo's seeded subscribers): the chats of
    /// its subscribers, which Piazza knows, become chats the bot may write to.</summary>
    public void Learn(ChannelAccount account, IEnumerable<long> chatIds)
    {
        lock (_lock)
        {
            var bot = BotOf(account);
            foreach (var id in chatIds.Take(_options.MaxChats))
            {
                ChatOf(bot, id, "?", null);
            }
        }
    }

    /// <summary>The webhook set by the bot (with setWebhook), if any: URL and secret token.</summary>
    public (string Url, string? Secret)? Webhook(Guid channelId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(channelId, out var bot) && bot.WebhookUrl is { } url ? (url, bot.WebhookSecret) : null;
        }
    }

    /// <summary>A person writes to the bot on their phone: the message joins the chat (which the bot may now write to)
    /// and the update to post to the webhook is returned.</summary>
    public JsonObject CitizenWrites(ChannelAccount account, long chatId, string firstName, string? languageCode, string text)
    {
        lock (_lock)
        {
            var bot = BotOf(account);
            var chat = ChatOf(bot, chatId, firstName, languageCode);
            chat.Blocked = false;
            var now = time.GetUtcNow();
            var message = new TelegramSimMessage(++bot.NextMessageId, true, text, text, null, now);
            Add(chat, message);
            var from = new JsonObject { ["id"] = chatId, ["is_bot"] = false, ["first_name"] = firstName };
            if (languageCode is not null)
            {
                from["language_code"] = languageCode;
            }

            var update = new JsonObject
            {
                ["update_id"] = ++bot.NextUpdateId,
                ["message"] = new JsonObject
                {
                    ["message_id"] = message.MessageId,
                    ["from"] = from,
                    ["chat"] = new JsonObject { ["id"] = chatId, ["first_name"] = firstName, ["type"] = "private" },
                    ["date"] = now.ToUnixTimeSeconds(),
                    ["text"] = text,
                },
            };
            if (text.StartsWith('/'))
            {
                var length = text.IndexOfAny([' ', '\n']) is var end and > 0 ? end : text.Length;
                update["message"]!["entities"] = new JsonArray(new JsonObject { ["offset"] = 0, ["length"] = length, ["type"] = "bot_command" });
            }

            return update;
        }
    }

    /// <summary>A person blocks the bot: its messages are refused (403) and the update to post is returned.</summary>
    public JsonObject Block(ChannelAccount account, long chatId)
    {
        lock (_lock)
        {
            var bot = BotOf(account);
            var chat = ChatOf(bot, chatId, "?", null);
            chat.Blocked = true;
            return new JsonObject
            {
                ["update_id"] = ++bot.NextUpdateId,
                ["my_chat_member"] = new JsonObject
                {
                    ["chat"] = new JsonObject { ["id"] = chatId, ["first_name"] = chat.FirstName, ["type"] = "private" },
                    ["from"] = new JsonObject { ["id"] = chatId, ["is_bot"] = false, ["first_name"] = chat.FirstName },
                    ["date"] = time.GetUtcNow().ToUnixTimeSeconds(),
                    ["old_chat_member"] = new JsonObject { ["status"] = "member" },
                    ["new_chat_member"] = new JsonObject { ["status"] = "kicked" },
                },
            };
        }
    }

    /// <summary>The messages of one chat, oldest first.</summary>
    public IReadOnlyList<TelegramSimMessage> Messages(Guid channelId, long chatId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(channelId, out var bot) && bot.Chats.TryGetValue(chatId, out var chat) ? [.. chat.Messages] : [];
        }
    }

    /// <summary>A chat of the bot, if the simulator knows it.</summary>
    public TelegramSimChat? ChatInfo(Guid channelId, long chatId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(channelId, out var bot) && bot.Chats.TryGetValue(chatId, out var chat) ? View(chat) : null;
        }
    }

    /// <summary>The bot's chats with people who wrote to it (not those only learnt from Piazza), the most recent first.</summary>
    public IReadOnlyList<TelegramSimChat> RecentChats(Guid channelId, int count)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(channelId, out var bot)
                ? [.. bot.Chats.Values.Where(c => c.FirstName != "?").OrderByDescending(c => c.LastActive).Take(count).Select(View)]
                : [];
        }
    }

    /// <summary>The bot's posts in its public channel, oldest first.</summary>
    public IReadOnlyList<TelegramSimMessage> ChannelPosts(Guid channelId)
    {
        lock (_lock)
        {
            return _bots.TryGetValue(channelId, out var bot) ? [.. bot.ChannelPosts] : [];
        }
    }

    /// <summary>What Telegram shows of a text in HTML parse mode (tags removed, entities decoded), or the reason it
    /// cannot be parsed. Accepted: Telegram's tags (b, strong, i, em, u, ins, s, strike, del, span class="tg-spoiler",
    /// tg-spoiler, a href, code, pre, blockquote, tg-emoji), properly nested, and the entities &amp;lt; &amp;gt; &amp;amp;
    /// &amp;quot; and numeric ones. Stricter than Telegram on one point: a "&amp;" or "&gt;" outside an entity or a tag is
    /// refused, as Telegram's documentation asks them to be escaped.</summary>
    public static (string? Visible, string? Error) ParseHtml(string html)
    {
        var visible = new StringBuilder();
        var open = new Stack<string>();
        var i = 0;
        while (i < html.Length)
        {
            var c = html[i];
            if (c == '<')
            {
                var end = html.IndexOf('>', i);
                if (end < 0)
                {
                    return (null, $"Unclosed start tag at byte offset {Offset(html, i)}");
                }

                var tag = html[(i + 1)..end];
                if (tag.StartsWith('/'))
                {
                    var name = tag[1..].Trim().ToLowerInvariant();
                    if (open.Count == 0 || open.Peek() != name)
                    {
                        return (null, $"Can't find end tag corresponding to start tag \"{name}\"");
                    }

                    open.Pop();
                }
                else
                {
                    var space = tag.IndexOfAny([' ', '\t', '\n']);
                    var name = (space < 0 ? tag : tag[..space]).ToLowerInvariant();
                    var attributes = space < 0 ? string.Empty : tag[space..].Trim();
                    if (name is not ("b" or "strong" or "i" or "em" or "u" or "ins" or "s" or "strike" or "del" or "span" or "tg-spoiler" or "a" or "code" or "pre" or "blockquote" or "tg-emoji"))
                    {
                        return (null, $"Unsupported start tag \"{name}\" at byte offset {Offset(html, i)}");
                    }

                    if (attributes.Contains('<', StringComparison.Ordinal))
                    {
                        return (null, $"Unexpected start tag at byte offset {Offset(html, i)}");
                    }

                    if (name == "a" && !attributes.StartsWith("href=", StringComparison.OrdinalIgnoreCase))
                    {
                        return (null, $"Can't find \"href\" attribute of tag \"a\" at byte offset {Offset(html, i)}");
                    }

                    if (name == "span" && attributes.Replace('\'', '"') != "class=\"tg-spoiler\"")
                    {
                        return (null, $"Tag \"span\" must have class \"tg-spoiler\" at byte offset {Offset(html, i)}");
                    }

                    if (attributes.Contains('&', StringComparison.Ordinal) && DecodeEntities(attributes) is null)
                    {
                        return (null, $"Unsupported HTML entity in an attribute at byte offset {Offset(html, i)}");
                    }

                    open.Push(name);
                }

                i = end + 1;
            }
            else if (c == '>')
            {
                return (null, $"Unexpected end tag at byte offset {Offset(html, i)}");
            }
            else if (c == '&')
            {
                var semicolon = html.IndexOf(';', i);
                var decoded = semicolon < 0 || semicolon - i > 10 ? null : DecodeEntities(html[i..(semicolon + 1)]);
                if (decoded is null)
                {
                    return (null, $"Unsupported HTML entity at byte offset {Offset(html, i)}");
                }

                visible.Append(decoded);
                i = semicolon + 1;
            }
            else
            {
                visible.Append(c);
                i++;
            }
        }

        return open.Count > 0 ? (null, $"Can't find end tag corresponding to start tag \"{open.Peek()}\"") : (visible.ToString(), null);
    }

    private TelegramAnswer SendMessage(ChannelAccount account, Bot bot, JsonObject args)
    {
        var text = Str(args["text"]);
        var parseMode = Str(args["parse_mode"]);
        string? chatName = null;
        long? chatId = null;
        switch (args["chat_id"])
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number):
                chatId = number;
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                chatId = parsed;
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                chatName = v.GetValue<string>();
                break;
            default:
                return Error(400, "Bad Request: chat_id is empty");
        }

        Chat? chat = null;
        if (chatName is not null)
        {
            var channel = account.Setting(TelegramChannel.ChannelUsername)?.TrimStart('@');
            if (channel is null || !string.Equals(chatName.TrimStart('@'), channel, StringComparison.OrdinalIgnoreCase) || !chatName.StartsWith('@'))
            {
                return Error(400, "Bad Request: chat not found");
            }
        }
        else if (!bot.Chats.TryGetValue(chatId!.Value, out chat))
        {
            return Error(400, "Bad Request: chat not found");
        }
        else if (chat.Blocked)
        {
            return Error(403, "Forbidden: bot was blocked by the user");
        }

        string visible;
        if (string.IsNullOrEmpty(text))
        {
            return Error(400, "Bad Request: message text is empty");
        }

        if (string.Equals(parseMode, "HTML", StringComparison.OrdinalIgnoreCase))
        {
            var (parsed, error) = ParseHtml(text);
            if (error is not null)
            {
                return Error(400, "Bad Request: can't parse entities: " + error);
            }

            visible = parsed!;
        }
        else if (parseMode is null || parseMode is "MarkdownV2" or "Markdown")
        {
            visible = text; // MarkdownV2 is not checked by the simulator: Piazza sends HTML
        }
        else
        {
            return Error(400, "Bad Request: unsupported parse_mode");
        }

        if (visible.Trim().Length == 0)
        {
            return Error(400, "Bad Request: message text is empty");
        }

        if (visible.Length > 4096)
        {
            return Error(400, "Bad Request: message is too long");
        }

        // The limits: the bot's, then the chat's (a channel post counts as one message to one chat).
        var now = time.GetUtcNow();
        var chatBucket = chat?.Bucket ?? bot.ChannelBucket;
        if (Wait(bot.Bucket, _options.PerBotPerSecond, _options.PerBotPerSecond, now) is { } botWait)
        {
            return RateLimited(botWait);
        }

        if (Wait(chatBucket, _options.PerChatPerSecond, _options.PerChatBurst, now) is { } chatWait)
        {
            bot.Bucket.Tokens += 1; // not sent: the bot's token is given back
            return RateLimited(chatWait);
        }

        var message = new TelegramSimMessage(++bot.NextMessageId, false, visible, text, parseMode, now);
        JsonObject chatJson;
        if (chat is null)
        {
            bot.ChannelPosts.Add(message);
            if (bot.ChannelPosts.Count > _options.MaxMessagesPerChat)
            {
                bot.ChannelPosts.RemoveAt(0);
            }

            chatJson = new JsonObject { ["id"] = -1001000000000 - Math.Abs((long)account.Id.GetHashCode()), ["title"] = account.Name, ["username"] = chatName!.TrimStart('@'), ["type"] = "channel" };
        }
        else
        {
            Add(chat, message);
            chatJson = new JsonObject { ["id"] = chat.Id, ["first_name"] = chat.FirstName, ["type"] = "private" };
        }

        return Ok(new JsonObject
        {
            ["message_id"] = message.MessageId,
            ["from"] = new JsonObject { ["id"] = long.Parse(TelegramSandbox.BotIdOf(account.Secret(TelegramChannel.BotToken)) ?? "0", CultureInfo.InvariantCulture), ["is_bot"] = true, ["first_name"] = account.Name, ["username"] = account.Setting(TelegramChannel.BotUsername) },
            ["chat"] = chatJson,
            ["date"] = now.ToUnixTimeSeconds(),
            ["text"] = visible,
        });
    }

    /// <summary>Takes a token from the bucket, or says how long until one is there.</summary>
    private static TimeSpan? Wait(Bucket bucket, double perSecond, double capacity, DateTimeOffset now)
    {
        var elapsed = bucket.At == default ? capacity / perSecond : (now - bucket.At).TotalSeconds;
        bucket.Tokens = bucket.At == default ? capacity : Math.Min(capacity, bucket.Tokens + (Math.Max(0, elapsed) * perSecond));
        bucket.At = now;
        if (bucket.Tokens >= 1)
        {
            bucket.Tokens -= 1;
            return null;
        }

        return TimeSpan.FromSeconds((1 - bucket.Tokens) / perSecond);
    }

    private static TelegramAnswer RateLimited(TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        var answer = Error(429, "Too Many Requests: retry after " + seconds.ToString(CultureInfo.InvariantCulture));
        answer.Body["parameters"] = new JsonObject { ["retry_after"] = seconds };
        return answer;
    }

    private Bot BotOf(ChannelAccount account)
    {
        if (!_bots.TryGetValue(account.Id, out var bot))
        {
            _bots[account.Id] = bot = new Bot();
        }

        return bot;
    }

    private Chat ChatOf(Bot bot, long chatId, string firstName, string? languageCode)
    {
        if (!bot.Chats.TryGetValue(chatId, out var chat))
        {
            if (bot.Chats.Count >= _options.MaxChats)
            {
                var oldest = bot.Chats.Values.MinBy(c => c.LastActive);
                if (oldest is not null)
                {
                    bot.Chats.Remove(oldest.Id);
                }
            }

            bot.Chats[chatId] = chat = new Chat { Id = chatId, FirstName = firstName };
        }

        if (firstName != "?")
        {
            chat.FirstName = firstName;
        }

        chat.LanguageCode = languageCode ?? chat.LanguageCode;
        return chat;
    }

    private void Add(Chat chat, TelegramSimMessage message)
    {
        chat.Messages.Add(message);
        chat.LastActive = message.At;
        if (chat.Messages.Count > _options.MaxMessagesPerChat)
        {
            chat.Messages.RemoveAt(0);
        }
    }

    private static TelegramSimChat View(Chat chat) => new(chat.Id, chat.FirstName, chat.LanguageCode, chat.Blocked, chat.LastActive);

    /// <summary>The text of HTML entities decoded (&amp;lt; &amp;gt; &amp;amp; &amp;quot; and numeric ones); null when one is unknown.</summary>
    internal static string? DecodeEntities(string text)
    {
        var sb = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] != '&')
            {
                sb.Append(text[i++]);
                continue;
            }

            var semicolon = text.IndexOf(';', i);
            if (semicolon < 0)
            {
                return null;
            }

            var entity = text[(i + 1)..semicolon];
            switch (entity)
            {
                case "lt": sb.Append('<'); break;
                case "gt": sb.Append('>'); break;
                case "amp": sb.Append('&'); break;
                case "quot": sb.Append('"'); break;
                case ['#', 'x' or 'X', .. var hex] when int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) && h is > 0 and <= 0x10FFFF:
                    sb.Append(char.ConvertFromUtf32(h));
                    break;
                case ['#', .. var dec] when int.TryParse(dec, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is > 0 and <= 0x10FFFF:
                    sb.Append(char.ConvertFromUtf32(d));
                    break;
                default:
                    return null;
            }

            i = semicolon + 1;
        }

        return sb.ToString();
    }

    private static int Offset(string text, int index) => Encoding.UTF8.GetByteCount(text.AsSpan(0, index));

    private static string? Str(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static TelegramAnswer Ok(JsonNode result) => new(200, new JsonObject { ["ok"] = true, ["result"] = result });

    private static TelegramAnswer Error(int code, string description) =>
        new(code, new JsonObject { ["ok"] = false, ["error_code"] = code, ["description"] = description });

    private sealed class Bucket
    {
        public double Tokens { get; set; }

        public DateTimeOffset At { get; set; }
    }

    private sealed class Chat
    {
        public long Id { get; init; }

        public string FirstName { get; set; } = string.Empty;

        public string? LanguageCode { get; set; }

        public bool Blocked { get; set; }

        public DateTimeOffset LastActive { get; set; }

        public List<TelegramSimMessage> Messages { get; } = [];

        public Bucket Bucket { get; } = new();
    }

    private sealed class Bot
    {
        public long NextUpdateId { get; set; } = 100_000;

        public long NextMessageId { get; set; }

        public string? WebhookUrl { get; set; }

        public string? WebhookSecret { get; set; }

        public Dictionary<long, Chat> Chats { get; } = [];

        public List<TelegramSimMessage> ChannelPosts { get; } = [];

        public Bucket Bucket { get; } = new();

        public Bucket ChannelBucket { get; } = new();
    }
}
