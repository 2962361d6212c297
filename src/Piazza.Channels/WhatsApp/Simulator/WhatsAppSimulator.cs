using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Piazza.Channels.WhatsApp.Simulator;

/// <summary>The simulator's answer to a send: an HTTP status and Meta's JSON.</summary>
public sealed record SimulatorAnswer(int Status, JsonObject Body);

/// <summary>A status callback the simulator will post to the channel's webhook when <paramref name="Due"/> comes.</summary>
/// <param name="Channel">The channel (its id names the webhook, its app secret signs it).</param>
/// <param name="MessageId">The wamid of the sent message.</param>
/// <param name="RecipientId">The recipient, digits.</param>
/// <param name="Status">"sent", "delivered" or "read".</param>
/// <param name="Due">When to post it.</param>
public sealed record StatusCallback(ChannelAccount Channel, string MessageId, string RecipientId, string Status, DateTimeOffset Due);

/// <summary>
/// Piazza's stand-in for the WhatsApp Cloud API, used by sandbox channels: it accepts what Meta accepts and refuses the
/// rest with Meta's error JSON and codes (400 with code 100 or 132xxx for a wrong request, 401 with 190 for a wrong
/// token, 429 with 130429 above the channel's rate, 400 with 131047 for text to someone who has not written in the last
/// 24 hours), keeps each conversation in <see cref="SimulatorStore"/>, and queues the "sent", "delivered" and "read"
/// callbacks that the server posts, signed, to the channel's webhook. Approved templates are those in the channel's
/// <c>templates</c> setting, whose body has two parameters.
/// </summary>
public sealed class WhatsAppSimulator
{
    /// <summary>The parameters of Piazza's bulletin template: {{1}} the title, {{2}} the text.</summary>
    public const int TemplateParameters = 2;

    private readonly SimulatorStore _store;
    private readonly TimeProvider _time;
    private readonly WhatsAppSimulatorOptions _options;
    private readonly ILogger<WhatsAppSimulator> _logger;
    private readonly ConcurrentDictionary<string, RateBucket> _buckets = new(StringComparer.Ordinal);
    private readonly Channel<StatusCallback> _callbacks;
    private long _dropped;

    public WhatsAppSimulator(SimulatorStore store, TimeProvider time, IOptions<WhatsAppSimulatorOptions> options, ILogger<WhatsAppSimulator> logger)
    {
        _store = store;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _callbacks = System.Threading.Channels.Channel.CreateBounded<StatusCallback>(new BoundedChannelOptions(Math.Max(16, _options.CallbackQueue))
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });
    }

    public SimulatorStore Store => _store;

    /// <summary>The callbacks waiting to be posted, in order of their due time.</summary>
    public ChannelReader<StatusCallback> Callbacks => _callbacks.Reader;

    public TimeSpan StatusDelay => _options.StatusDelay;

    /// <summary>Handles <c>POST /{version}/{phone-number-id}/messages</c> for <paramref name="channel"/> (null: no sandbox
    /// channel has that phone number ID), with the raw Authorization header and body.</summary>
    public SimulatorAnswer Send(ChannelAccount? channel, int ratePerSecond, string phoneNumberId, string? authorization, string body)
    {
        var token = authorization is { } a && a.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? a["Bearer ".Length..].Trim() : null;
        if (string.IsNullOrEmpty(token))
        {
            return Error(401, 190, "Invalid OAuth access token - Cannot parse access token", "The Authorization header must be \"Bearer\" and the access token.");
        }

        if (channel is null)
        {
            return Error(400, 100, $"Unsupported post request. Object with ID '{phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", "No sandbox WhatsApp channel has this phone number ID.", subcode: 33);
        }

        var expected = channel.Secret(WhatsAppChannel.AccessToken) ?? string.Empty;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(expected)))
        {
            return Error(401, 190, "Error validating access token: The access token is invalid.", "The token is not the channel's access token.");
        }

        JsonObject? request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is null)
        {
            return Invalid("The request body must be a JSON object.");
        }

        if (Str(request, "messaging_product") != "whatsapp")
        {
            return Error(400, 100, "(#100) The parameter messaging_product is required.", "messaging_product must be \"whatsapp\".");
        }

        if (Str(request, "recipient_type") != "individual")
        {
            return Error(400, 100, "(#100) The parameter recipient_type is required.", "recipient_type must be \"individual\".");
        }

        var to = Str(request, "to");
        if (to is null || to.Length is < 8 or > 15 || !to.All(char.IsAsciiDigit))
        {
            return Invalid("to must be the recipient's number in international format, digits only (8 to 15).");
        }

        string text;
        string? template = null;
        switch (Str(request, "type"))
        {
            case "text":
                var textBody = request["text"] is JsonObject t ? Str(t, "body") : null;
                if (string.IsNullOrEmpty(textBody))
                {
                    return Error(400, 100, "(#100) The parameter text['body'] is required.", "A text message needs text.body.");
                }

                if (textBody.Length > 4096)
                {
                    return Error(400, 100, "(#100) Param text['body'] must be at most 4096 characters long.", "text.body is longer than 4096 characters.");
                }

                text = textBody;
                break;
            case "template":
                var (problem, parameters, name) = CheckTemplate(request["template"] as JsonObject, channel);
                if (problem is not null)
                {
                    return problem;
                }

                text = string.Join("\n", parameters!);
                template = name;
                break;
            case null:
                return Error(400, 100, "(#100) The parameter type is required.", "type must be \"text\" or \"template\".");
            default:
                return Error(400, 131051, "(#131051) Unsupported message type", "The sandbox accepts text and template messages.");
        }

        var now = _time.GetUtcNow();
        var bucket = _buckets.GetOrAdd(phoneNumberId, _ => new RateBucket(ratePerSecond, _time));
        if (!bucket.TryTake(ratePerSecond))
        {
            return Error(429, 130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached.");
        }

        var conversation = _store.Get(channel.Id, to);
        if (template is null && !(conversation.LastFromCitizenAt is { } last && now.UtcDateTime - last < TimeSpan.FromHours(24)))
        {
            return Error(400, 131047, "(#131047) Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number.");
        }

        var id = NewMessageId();
        conversation.Add(new SimulatedMessage(id, FromCitizen: false, text, template, now.UtcDateTime));
        Schedule(new StatusCallback(channel, id, to, "sent", now + _options.StatusDelay));
        return new SimulatorAnswer(200, new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["contacts"] = new JsonArray(new JsonObject { ["input"] = to, ["wa_id"] = to }),
            ["messages"] = new JsonArray(new JsonObject { ["id"] = id }),
        });
    }

    /// <summary>What a citizen writes from the simulated phone: kept in the conversation (their 24-hour window opens)
    /// and returned as the webhook notification Meta would post (to be signed with <see cref="WhatsAppWebhook.Sign"/>).</summary>
    public (string MessageId, string Notification) FromCitizen(ChannelAccount channel, string phone, string text, string? profileName = null)
    {
        var from = SimulatorStore.Normalize(phone);
        var now = _time.GetUtcNow();
        var id = NewMessageId();
        _store.Get(channel.Id, from).Add(new SimulatedMessage(id, FromCitizen: true, text, null, now.UtcDateTime) { Status = "sent" });
        var value = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["metadata"] = Metadata(channel),
            ["contacts"] = new JsonArray(new JsonObject { ["profile"] = new JsonObject { ["name"] = profileName ?? "Sandbox " + from[^4..] }, ["wa_id"] = from }),
            ["messages"] = new JsonArray(new JsonObject
            {
                ["from"] = from, ["id"] = id, ["timestamp"] = Unix(now), ["type"] = "text", ["text"] = new JsonObject { ["body"] = text },
            }),
        };
        return (id, Notification(channel, value));
    }

    /// <summary>The notification carrying these statuses of one channel's messages, as Meta posts it.</summary>
    public string StatusNotification(ChannelAccount channel, IEnumerable<StatusCallback> statuses)
    {
        var array = new JsonArray();
        foreach (var s in statuses)
        {
            array.Add(new JsonObject
            {
                ["id"] = s.MessageId, ["status"] = s.Status, ["timestamp"] = Unix(_time.GetUtcNow()), ["recipient_id"] = s.RecipientId,
            });
        }

        return Notification(channel, new JsonObject { ["messaging_product"] = "whatsapp", ["metadata"] = Metadata(channel), ["statuses"] = array });
    }

    /// <summary>Records that a callback was posted and queues the next one ("sent" → "delivered" → "read").</summary>
    public void Posted(StatusCallback callback)
    {
        _store.Find(callback.Channel.Id, callback.RecipientId)?.SetStatus(callback.MessageId, callback.Status);
        var next = callback.Status switch { "sent" => "delivered", "delivered" => "read", _ => null };
        if (next is not null)
        {
            Schedule(callback with { Status = next, Due = _time.GetUtcNow() + _options.StatusDelay });
        }
    }

    /// <summary>Checks a template request: approved (in the channel's templates), deterministic language policy, and
    /// its body parameters as Meta wants them.</summary>
    private static (SimulatorAnswer? Problem, List<string>? Parameters, string? Name) CheckTemplate(JsonObject? template, ChannelAccount channel)
    {
        if (template is null)
        {
            return (Error(400, 100, "(#100) The parameter template is required.", "A template message needs template."), null, null);
        }

        var name = Str(template, "name");
        var language = template["language"] as JsonObject;
        var code = language is null ? null : Str(language, "code");
        if (string.IsNullOrEmpty(name))
        {
            return (Error(400, 100, "(#100) The parameter template['name'] is required.", "template.name is missing."), null, null);
        }

        if (string.IsNullOrEmpty(code))
        {
            return (Error(400, 100, "(#100) The parameter template['language']['code'] is required.", "template.language.code is missing."), null, null);
        }

        if (Str(language!, "policy") != "deterministic")
        {
            return (Error(400, 100, "(#100) Param template['language']['policy'] must be one of {DETERMINISTIC}.", "template.language.policy must be \"deterministic\"."), null, null);
        }

        if (!WhatsAppChannel.TemplatesOf(channel.Settings).Values.Any(t => t.Name == name && t.Code == code))
        {
            return (Error(400, 132001, "(#132001) Template name does not exist in the translation", $"template name ({name}) does not exist in {code}"), null, null);
        }

        var parameters = new List<string>();
        foreach (var component in (template["components"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Str(component, "type") != "body")
            {
                continue;
            }

            foreach (var parameter in (component["parameters"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (Str(parameter, "type") != "text" || Str(parameter, "text") is not { } value)
                {
                    return (Error(400, 100, "(#100) Invalid parameter", "A body parameter must be {\"type\":\"text\",\"text\":…}."), null, null);
                }

                if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\t', StringComparison.Ordinal) || value.Contains("     ", StringComparison.Ordinal))
                {
                    return (Error(400, 132018, "(#132018) There was an issue with the parameters in your template.",
                        "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"), null, null);
                }

                parameters.Add(value);
            }
        }

        if (parameters.Count != TemplateParameters)
        {
            return (Error(400, 132000, "(#132000) Number of parameters does not match the expected number of params",
                $"body: number of localizable_params ({parameters.Count}) does not match the expected number of params ({TemplateParameters})"), null, null);
        }

        if (parameters.Sum(p => p.Length) > 1024)
        {
            return (Error(400, 132005, "(#132005) Translated text too long", "The template's body with its parameters is longer than 1024 characters."), null, null);
        }

        return (null, parameters, $"{name}/{code}");
    }

    private void Schedule(StatusCallback callback)
    {
        if (!_callbacks.Writer.TryWrite(callback) && Interlocked.Increment(ref _dropped) % 1000 == 1)
        {
            _logger.LogWarning("WhatsApp simulator: the status callback queue is full; callbacks are dropped ({Dropped} so far)", Interlocked.Read(ref _dropped));
        }
    }

    private static JsonObject Metadata(ChannelAccount channel) => new()
    {
        ["display_phone_number"] = "15550000000",
        ["phone_number_id"] = channel.Setting(WhatsAppChannel.PhoneNumberId) ?? string.Empty,
    };

    private static string Notification(ChannelAccount channel, JsonObject value) => new JsonObject
    {
        ["object"] = "whatsapp_business_account",
        ["entry"] = new JsonArray(new JsonObject
        {
            ["id"] = channel.Setting(WhatsAppChannel.BusinessAccountId) ?? "0",
            ["changes"] = new JsonArray(new JsonObject { ["field"] = "messages", ["value"] = value }),
        }),
    }.ToJsonString();

    private static string Unix(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static string NewMessageId() => "wamid.HBgM" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', 'A').Replace('/', 'B');

    private static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static SimulatorAnswer Invalid(string details) => Error(400, 100, "(#100) Invalid parameter", details);

    /// <summary>Meta's error JSON.</summary>
    public static SimulatorAnswer Error(int status, int code, string message, string details, int? subcode = null)
    {
        var error = new JsonObject
        {
            ["message"] = message,
            ["type"] = "OAuthException",
            ["code"] = code,
        };
        if (subcode is not null)
        {
            error["error_subcode"] = subcode;
        }

        error["error_data"] = new JsonObject { ["messaging_product"] = "whatsapp", ["details"] = details };
        error["fbtrace_id"] = "A" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', 'x').Replace('/', 'y');
        return new SimulatorAnswer(status, new JsonObject { ["error"] = error });
    }

    /// <summary>A token bucket per phone number ID: <c>rate</c> tokens a second, at most one second's worth saved.</summary>
    private sealed class RateBucket(int rate, TimeProvider time)
    {
        private readonly Lock _lock = new();
        private double _tokens = Math.Max(1, rate);
        private long _at = time.GetTimestamp();

        public bool TryTake(int ratePerSecond)
        {
            var perSecond = Math.Max(1, ratePerSecond);
            lock (_lock)
            {
                var now = time.GetTimestamp();
                _tokens = Math.Min(perSecond, _tokens + (time.GetElapsedTime(_at, now).TotalSeconds * perSecond));
                _at = now;
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens -= 1;
                return true;
            }
        }
    }
}
