using System.Globalization;
using System.Security.Cryptography;
using System.Xml;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Piazza.Broadcast;
using Piazza.Data;
using Piazza.Inbound;

namespace Piazza.Channels.WeChat;

/// <summary>A callback as it reached the server: the query parameters WeChat signs with, and the raw body.</summary>
public sealed record WeChatCallbackRequest(string? Signature, string? Timestamp, string? Nonce, string? EncryptType, string? MsgSignature, string Body);

/// <summary>What to answer: an HTTP status, and a body ("success", empty, or a passive reply's XML).</summary>
public sealed record WeChatCallbackResponse(int Status, string Body, string ContentType = "text/plain; charset=utf-8");

/// <summary>
/// WeChat's callbacks (<c>/hooks/wechat/{channelId}</c>): the URL check, and messages and events in plain or safe mode.
/// Nothing is parsed before the query's <c>signature</c> is checked; in safe mode the envelope is then read (safely) only
/// to check <c>msg_signature</c> over its <c>Encrypt</c> before decrypting. Messages and follow events are stored once
/// (WeChat retries a callback three times: the MsgId, or for events the sender and time, is the key) and handled at
/// once, so that the answer — a keyword's confirmation, the welcome — goes back as the passive reply within WeChat's
/// 5 seconds (encrypted in safe mode). Handling that takes longer than <see cref="PassiveBudget"/> finishes in the
/// background and answers by customer-service message instead. <c>MASSSENDJOBFINISH</c> completes a mass send.
/// </summary>
public sealed class WeChatCallbacks(
    IServiceScopeFactory scopes, InboundProcessor processor, DeliveryStatusUpdater statuses, IHostApplicationLifetime lifetime,
    TimeProvider time, ILogger<WeChatCallbacks> logger)
{
    /// <summary>WeChat waits 5 seconds for the answer; Piazza answers passively only within this.</summary>
    public static readonly TimeSpan PassiveBudget = TimeSpan.FromSeconds(4);

    /// <summary>A callback signed longer ago than this (or this far in the future) is refused as a replay.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);

    private const string Success = "success";

    /// <summary>The answer to the URL check: the echostr when the signature matches (decrypted when WeChat sent it
    /// encrypted with a msg_signature), else null (403).</summary>
    public static string? Verify(ChannelAccount channel, string? signature, string? msgSignature, string? timestamp, string? nonce, string? echostr)
    {
        var token = channel.Secret(WeChatChannel.Token);
        if (token is null || echostr is null)
        {
            return null;
        }

        if (msgSignature is not null)
        {
            if (!WeChatCrypto.SignatureValid(msgSignature, token, timestamp, nonce, echostr) || channel.Secret(WeChatChannel.EncodingAesKey) is not { } key
                || channel.Setting(WeChatChannel.AppId) is not { } appId)
            {
                return null;
            }

            try
            {
                return WeChatCrypto.Decrypt(echostr, key, appId);
            }
            catch (CryptographicException)
            {
                return null;
            }
        }

        return WeChatCrypto.SignatureValid(signature, token, timestamp, nonce) ? echostr : null;
    }

    public async Task<WeChatCallbackResponse> ReceiveAsync(ChannelAccount channel, WeChatCallbackRequest request, CancellationToken ct)
    {
        var token = channel.Secret(WeChatChannel.Token);
        if (token is null || !WeChatCrypto.SignatureValid(request.Signature, token, request.Timestamp, request.Nonce))
        {
            logger.LogWarning("WeChat callback of channel {Channel}: missing or wrong signature, ignored", channel.Id);
            return new(401, "The signature is missing or wrong.");
        }

        if (!long.TryParse(request.Timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > 253_402_300_799
            || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > MaxAge)
        {
            return new(401, "The timestamp is missing or too far from now.");
        }

        var encrypted = string.Equals(request.EncryptType, "aes", StringComparison.OrdinalIgnoreCase);
        var key = channel.Secret(WeChatChannel.EncodingAesKey);
        var appId = channel.Setting(WeChatChannel.AppId) ?? string.Empty;
        if (!encrypted && key is not null && request.Body.Contains("<Encrypt>", StringComparison.Ordinal))
        {
            return new(400, "An encrypted body without encrypt_type=aes.");
        }

        string xml;
        try
        {
            if (encrypted)
            {
                if (key is null)
                {
                    return new(400, "The message is encrypted but the channel has no EncodingAESKey.");
                }

                var envelope = WeChatXml.Fields(request.Body);
                var cipher = envelope.GetValueOrDefault("Encrypt");
                if (cipher is null || !WeChatCrypto.SignatureValid(request.MsgSignature, token, request.Timestamp, request.Nonce, cipher))
                {
                    logger.LogWarning("WeChat callback of channel {Channel}: missing or wrong msg_signature, ignored", channel.Id);
                    return new(401, "The msg_signature is missing or wrong.");
                }

                xml = WeChatCrypto.Decrypt(cipher, key, appId);
            }
            else
            {
                xml = request.Body;
            }
        }
        catch (XmlException e)
        {
            return new(400, "Not WeChat's XML: " + e.Message);
        }
        catch (CryptographicException e)
        {
            return new(400, "The message could not be decrypted: " + e.Message);
        }

        WeChatInbound inbound;
        try
        {
            inbound = WeChatXml.Parse(xml);
        }
        catch (XmlException e)
        {
            return new(400, "Not a WeChat message: " + e.Message);
        }

        if (channel.Setting(WeChatChannel.OriginalId) is { } original && !string.Equals(original, inbound.ToUserName, StringComparison.Ordinal))
        {
            return new(400, "The message is addressed to another account.");
        }

        if (inbound.MassSend is { } mass)
        {
            await CompleteMassSendAsync(channel, mass, inbound.CreateTime, ct);
            return new(200, Success);
        }

        var replies = await StoreAndHandleAsync(channel, inbound, ct);
        if (replies is null)
        {
            return new(200, Success);
        }

        var reply = WeChatXml.TextReply(inbound.FromUserName, inbound.ToUserName, time.GetUtcNow().UtcDateTime, string.Join("\n\n", replies));
        if (!encrypted)
        {
            return new(200, reply, "application/xml; charset=utf-8");
        }

        var stamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var cipherReply = WeChatCrypto.Encrypt(reply, key!, appId);
        return new(200, WeChatXml.Envelope(cipherReply, WeChatCrypto.Signature(token, stamp, nonce, cipherReply), stamp, nonce), "application/xml; charset=utf-8");
    }

    /// <summary>Stores the message or event once and handles it; returns the replies to give passively, or null.</summary>
    private async Task<IReadOnlyList<string>?> StoreAndHandleAsync(ChannelAccount channel, WeChatInbound inbound, CancellationToken ct)
    {
        var message = new InboundMessage
        {
            OrganizationId = channel.OrganizationId,
            ChannelId = channel.Id,
            PlatformMessageId = inbound.DedupeKey,
            Address = inbound.FromUserName,
            Text = Describe(inbound),
            SentAt = inbound.CreateTime,
            ReceivedAt = time.GetUtcNow().UtcDateTime,
            Event = inbound.IsEvent ? inbound.Event ?? "?" : null,
            EventKey = inbound.IsEvent ? inbound.EventKey : null,
        };
        long? id;
        await using (var scope = scopes.CreateAsyncScope())
        {
            id = await InboundStore.AddOneAsync(scope.ServiceProvider.GetRequiredService<PiazzaDb>(), message, ct);
        }

        if (id is null)
        {
            logger.LogInformation("WeChat callback of channel {Channel}: {Key} received again (a retry), already handled", channel.Id, inbound.DedupeKey);
            return null;
        }

        // Handled now, outside the request's cancellation: if it takes longer than WeChat waits, it finishes anyway and
        // answers by customer-service message.
        var gate = new object();
        IReadOnlyList<string>? taken = null;
        var waiting = true;
        var handling = processor.HandleAsync(id.Value, lifetime.ApplicationStopping, replies =>
        {
            lock (gate)
            {
                if (!waiting)
                {
                    return false;
                }

                taken = replies.ToList();
                return true;
            }
        });
        var finished = await Task.WhenAny(handling, Task.Delay(PassiveBudget, time, ct)) == handling;
        lock (gate)
        {
            waiting = false;
        }

        if (!finished)
        {
            logger.LogWarning("WeChat message {Id} of channel {Channel}: not handled within {Budget}; the answer will go as a customer-service message", id, channel.Id, PassiveBudget);
            _ = handling.ContinueWith(t => logger.LogError(t.Exception, "WeChat message {Id} could not be handled", id), TaskContinuationOptions.OnlyOnFaulted);
            return null;
        }

        await handling; // its exception, if any
        return taken is { Count: > 0 } ? taken : null;
    }

    /// <summary>MASSSENDJOBFINISH: the mass send's counts are kept and its delivery becomes Delivered (or Failed).</summary>
    private async Task CompleteMassSendAsync(ChannelAccount channel, WeChatMassSendResult mass, DateTime at, CancellationToken ct)
    {
        var changed = await RecordFinishAsync(channel, mass, ct);
        logger.LogInformation("WeChat channel {Channel}: mass send {MsgId} finished: {Status}, {Sent}/{Total} sent, {Errors} errors{Unknown}",
            channel.Id, mass.MsgId, mass.Status, mass.SentCount, mass.TotalCount, mass.ErrorCount, changed == 0 ? " (not recorded yet)" : string.Empty);
        if (changed == 0)
        {
            // WeChat can report the end of a mass send before the adapter has written the send it answered (the callback
            // races the sendall answer): the row is tried again for two minutes, in the background (the webhook answers now).
            _ = Task.Run(() => RecordFinishLaterAsync(channel, mass), CancellationToken.None);
        }

        await statuses.Report(mass.Succeeded
            ? new StatusUpdate(channel.Id, mass.MsgId, DeliveryState.Delivered, at)
            : new StatusUpdate(channel.Id, mass.MsgId, DeliveryState.Failed, at, $"WeChat: {mass.Status} ({mass.SentCount} of {mass.TotalCount} sent, {mass.ErrorCount} errors)"), ct);
    }

    private async Task<int> RecordFinishAsync(ChannelAccount channel, WeChatMassSendResult mass, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PiazzaDb>();
        var now = time.GetUtcNow().UtcDateTime;
        return await db.WeChatMassSends.IgnoreQueryFilters().Where(m => m.ChannelId == channel.Id && m.MsgId == mass.MsgId)
            .ExecuteUpdateAsync(u => u
                .SetProperty(m => m.Status, mass.Status.Length > 100 ? mass.Status[..100] : mass.Status)
                .SetProperty(m => m.TotalCount, mass.TotalCount).SetProperty(m => m.SentCount, mass.SentCount).SetProperty(m => m.ErrorCount, mass.ErrorCount)
                .SetProperty(m => m.FinishedAt, now), ct);
    }

    private async Task RecordFinishLaterAsync(ChannelAccount channel, WeChatMassSendResult mass)
    {
        var until = time.GetUtcNow().AddMinutes(2);
        var wait = TimeSpan.FromMilliseconds(250);
        try
        {
            while (time.GetUtcNow() < until)
            {
                await Task.Delay(wait, time);
                if (await RecordFinishAsync(channel, mass, CancellationToken.None) > 0)
                {
                    return;
                }

                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
            }

            logger.LogWarning("WeChat channel {Channel}: mass send {MsgId} finished, but Piazza has no record of it", channel.Id, mass.MsgId);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "WeChat channel {Channel}: the end of mass send {MsgId} could not be recorded", channel.Id, mass.MsgId);
        }
    }

    /// <summary>What the staff see of a message or event.</summary>
    private static string Describe(WeChatInbound m) => m.IsEvent
        ? m.Event switch
        {
            "subscribe" => m.Scene is { } scene ? $"[follow: {scene}]" : "[follow]",
            "unsubscribe" => "[unfollow]",
            "SCAN" => $"[scan: {m.EventKey}]",
            "CLICK" => $"[menu: {m.EventKey}]",
            _ => $"[{m.Event}]",
        }
        : m.MsgType switch
        {
            "text" => m.Content ?? string.Empty,
            "image" => "[image]",
            "voice" => "[voice]",
            "video" or "shortvideo" => "[video]",
            "location" => "[location]",
            "link" => "[link]",
            _ => $"[{m.MsgType}]",
        };
}
