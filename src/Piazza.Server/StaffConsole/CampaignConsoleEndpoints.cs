using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Piazza.Channels.Campaigns;
using Piazza.Channels.WeChat;
using Piazza.Common;
using Piazza.Server.PublicSite;

namespace Piazza.Server.StaffConsole;

/// <summary>
/// The flyer campaigns' QR codes for print (PNG and SVG downloads), and the forms of the comments section of a
/// bulletin's page: plain POST forms with an antiforgery token whose handlers act through <see cref="WeChatComments"/>
/// (which checks the permissions) and go back to the bulletin's page with the outcome in the query string.
/// </summary>
public static class CampaignConsoleEndpoints
{
    public static IEndpointRouteBuilder MapCampaignConsole(this IEndpointRouteBuilder app)
    {
        var campaigns = app.MapGroup("/console/channels/{id:guid}/campaigns/{campaignId:guid}").RequireAuthorization(ConsoleSetup.StaffPolicy).ExcludeFromDescription();
        // ?lang=zh: the link in that language (a WhatsApp flyer's keyword is in the flyer's language).
        campaigns.MapGet("/qr.png", async (Guid id, Guid campaignId, string? lang, FlyerCampaignService s, HttpContext context, CancellationToken ct) =>
        {
            var campaign = await s.GetAsync(id, campaignId, ct);
            return LinkOf(campaign, lang) is not { } link ? Results.NotFound() : File(context, FlyerQrCode.Png(link), "image/png", Name(campaign, lang), "png");
        });
        campaigns.MapGet("/qr.svg", async (Guid id, Guid campaignId, string? lang, FlyerCampaignService s, HttpContext context, CancellationToken ct) =>
        {
            var campaign = await s.GetAsync(id, campaignId, ct);
            return LinkOf(campaign, lang) is not { } link
                ? Results.NotFound()
                : File(context, System.Text.Encoding.UTF8.GetBytes(FlyerQrCode.Svg(link, campaign.Name)), "image/svg+xml", Name(campaign, lang), "svg");
        });

        var comments = app.MapGroup("/console/bulletins/{id:guid}/comments").RequireAuthorization(ConsoleSetup.StaffPolicy).ExcludeFromDescription()
            .WithMetadata(new RequireAntiforgeryTokenAttribute());
        comments.MapPost("/refresh", (Guid id, [FromForm] CommentForm form, WeChatComments s, CancellationToken ct) =>
            BackAsync(id, null, async () =>
            {
                var reading = await s.RefreshAsync(id, ct);
                return reading.Problems.Count > 0 && reading.Articles == 0
                    ? "comments=unreadable"
                    : string.Create(CultureInfo.InvariantCulture, $"comments=read&added={reading.Added}&changed={reading.Changed}&unreadable={reading.Problems.Count}");
            }));
        comments.MapPost("/{commentId:long}/reply", (Guid id, long commentId, [FromForm] CommentForm form, WeChatComments s, CancellationToken ct) =>
            BackAsync(id, commentId, async () =>
            {
                await s.ReplyAsync(id, commentId, new CommentReplyInput(form.Text), ct);
                return "comments=replied";
            }));
        comments.MapPost("/{commentId:long}/hide", (Guid id, long commentId, [FromForm] CommentForm form, WeChatComments s, CancellationToken ct) =>
            BackAsync(id, commentId, async () =>
            {
                await s.HideAsync(id, commentId, ct);
                return "comments=hidden";
            }));
        comments.MapPost("/{commentId:long}/show", (Guid id, long commentId, [FromForm] CommentForm form, WeChatComments s, CancellationToken ct) =>
            BackAsync(id, commentId, async () =>
            {
                await s.ShowAsync(id, commentId, ct);
                return "comments=shown";
            }));
        return app;
    }

    /// <summary>Runs the action and goes back to the bulletin's comments with its outcome: done, or why not (a code the
    /// page translates; for WeChat's refusals its error number).</summary>
    private static async Task<IResult> BackAsync(Guid postId, long? commentId, Func<Task<string>> action)
    {
        string outcome;
        try
        {
            outcome = await action();
        }
        catch (ValidationFailedException e)
        {
            outcome = "comments=" + (e.Errors.Values.SelectMany(m => m).Contains("The reply is longer than 600 characters.", StringComparer.Ordinal) ? "reply-too-long" : "reply-empty");
        }
        catch (ForbiddenException)
        {
            outcome = "comments=forbidden";
        }
        catch (ConflictException e)
        {
            outcome = e.Data[FlyerCampaignService.PlatformAnswer] is string answer
                ? "comments=refused&code=" + Uri.EscapeDataString(answer.Split(' ')[0])
                : "comments=disabled";
        }

        var anchor = commentId is { } c && !outcome.Contains("refused", StringComparison.Ordinal) ? $"comment-{c}" : "comments";
        return Results.LocalRedirect($"/console/bulletins/{postId}?{outcome}" + (commentId is { } id ? $"&comment={id}" : string.Empty) + "#" + anchor);
    }

    private static string? LinkOf(FlyerCampaignView campaign, string? language) =>
        string.IsNullOrEmpty(language) ? campaign.JoinUrl : campaign.JoinUrls.GetValueOrDefault(language);

    private static string Name(FlyerCampaignView campaign, string? language) =>
        string.IsNullOrEmpty(language) || !campaign.JoinUrls.ContainsKey(language) ? campaign.Scene : campaign.Scene + "-" + language;

    private static IResult File(HttpContext context, byte[] bytes, string contentType, string scene, string extension)
    {
        context.Response.Headers.CacheControl = "private, no-cache";
        return Results.File(bytes, contentType, $"piazza-qr-{scene}.{extension}");
    }

    /// <summary>What the comment forms post (besides the antiforgery token).</summary>
    public sealed class CommentForm
    {
        /// <summary>The reply's text (reply form only).</summary>
        public string? Text { get; set; }
    }
}
