using Piazza.Broadcast;
using Piazza.Channels;
using Piazza.Channels.Formatting;
using Piazza.Common;
using Piazza.Posts;

namespace Piazza.Server.Api;

/// <summary>/api/v1/bulletins: compose, translate, review, approve and follow bulletins; /api/v1/sending-policy.</summary>
public static class BulletinEndpoints
{
    public static RouteGroupBuilder MapBulletins(this RouteGroupBuilder api)
    {
        var b = api.MapGroup("/bulletins").WithTags("Bulletins");
        b.MapGet("/", (PostState? state, int? skip, int? take, PostService s, CancellationToken ct) => s.ListAsync(state, new Paging(skip ?? 0, take ?? 50), ct))
            .WithName("ListBulletins");
        b.MapGet("/{id:guid}", (Guid id, PostService s, CancellationToken ct) => s.GetAsync(id, ct)).WithName("GetBulletin").ProducesProblem(404);
        b.MapPost("/", async (BulletinInput input, PostService s, CancellationToken ct) =>
        {
            var created = await s.CreateAsync(input, ct);
            return TypedResults.Created($"/api/v1/bulletins/{created.Id}", created);
        }).WithName("CreateBulletin").WithDescription("Creates a draft. Needs bulletins:write.");
        b.MapPut("/{id:guid}", (Guid id, BulletinInput input, PostService s, CancellationToken ct) => s.UpdateAsync(id, input, ct))
            .WithName("UpdateBulletin").WithDescription("Changes a bulletin not yet released. An approved bulletin goes back to review.").ProducesProblem(404).ProducesProblem(409);
        b.MapPut("/{id:guid}/bodies/{language}", (Guid id, string language, BodyInput input, PostService s, CancellationToken ct) => s.SaveBodyAsync(id, language, input, ct))
            .WithName("SaveBulletinText").WithDescription("Writes the text of one language. Translators write only their languages.").ProducesProblem(404).ProducesProblem(409);
        b.MapPost("/{id:guid}/submit", (Guid id, PostService s, CancellationToken ct) => s.SubmitAsync(id, ct))
            .WithName("SubmitBulletin").WithDescription("Sends a draft for translation.").ProducesProblem(404).ProducesProblem(409);
        b.MapPost("/{id:guid}/bodies/{language}/review", (Guid id, string language, PostService s, CancellationToken ct) => s.ReviewAsync(id, language, ct))
            .WithName("ReviewBulletinText").WithDescription("A translator of the language confirms its text.").ProducesProblem(404).ProducesProblem(409);
        b.MapPost("/{id:guid}/approve", (Guid id, ApprovalInput? input, PostService s, CancellationToken ct) => s.ApproveAsync(id, input ?? new ApprovalInput(), ct))
            .WithName("ApproveBulletin").WithDescription("Approves and schedules (now unless sendAt is later). Refused to its author; `errors` says what is missing.").ProducesProblem(404);
        b.MapPost("/{id:guid}/cancel", (Guid id, NoteInput? input, PostService s, CancellationToken ct) => s.CancelAsync(id, input ?? new NoteInput(), ct))
            .WithName("CancelBulletin").WithDescription("Withdraws a bulletin; while sending, what is still queued is cancelled.").ProducesProblem(404).ProducesProblem(409);
        b.MapPost("/{id:guid}/send-back", (Guid id, NoteInput? input, PostService s, CancellationToken ct) => s.SendBackAsync(id, input ?? new NoteInput(), ct))
            .WithName("SendBackBulletin").WithDescription("Returns a bulletin to its author's draft, with a note.").ProducesProblem(404).ProducesProblem(409);
        b.MapPost("/{id:guid}/expiry", (Guid id, ExpiryInput? input, PostService s, CancellationToken ct) => s.SetExpiryAsync(id, input ?? new ExpiryInput(), ct))
            .WithName("SetBulletinExpiry")
            .WithDescription("Sets until when a bulletin is current, also after it was sent: a time already past ends it now (an emergency leaves the top of the public site); null, no end.")
            .ProducesProblem(404);
        b.MapDelete("/{id:guid}", async (Guid id, PostService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteBulletin").WithDescription("Deletes a draft never sent for translation.").ProducesProblem(404).ProducesProblem(409);
        b.MapGet("/{id:guid}/progress", (Guid id, PostService s, CancellationToken ct) => s.GetProgressAsync(id, ct))
            .WithName("GetBulletinProgress").WithDescription("Deliveries by state, in all and per channel.").ProducesProblem(404);
        b.MapGet("/{id:guid}/deliveries", (Guid id, DeliveryState? state, int? skip, int? take, PostService s, CancellationToken ct) =>
            s.ListDeliveriesAsync(id, state, new Paging(skip ?? 0, take ?? 50), ct))
            .WithName("ListBulletinDeliveries").WithDescription("The bulletin's deliveries (addresses masked), e.g. ?state=Failed with their reasons.").ProducesProblem(404);
        b.MapPost("/preview", (PreviewInput input, ChannelCatalog catalog) => Preview(input, catalog))
            .WithName("PreviewBulletin").WithDescription("What citizens would see on each kind of channel, with the length limits.");

        var policy = api.MapGroup("/sending-policy").WithTags("Sending policy");
        policy.MapGet("/", (SendingPolicyService s, CancellationToken ct) => s.GetAsync(ct)).WithName("GetSendingPolicy");
        policy.MapPut("/", (SendingPolicyInput input, SendingPolicyService s, CancellationToken ct) => s.UpdateAsync(input, ct)).WithName("UpdateSendingPolicy");
        return api;
    }

    /// <summary>Renders a text for every channel kind (or the kinds asked for).</summary>
    public static IReadOnlyList<PreviewView> Preview(PreviewInput input, ChannelCatalog catalog)
    {
        var title = input.Title ?? string.Empty;
        var markdown = input.Markdown ?? string.Empty;
        var v = new Validation()
            .When(title.Length > PostService.MaxTitle, "title", "The title is longer than 200 characters.")
            .When(markdown.Length > PostService.MaxMarkdown, "markdown", "The text is longer than 20,000 characters.");
        v.ThrowIfInvalid();
        var kinds = input.Kinds is { Count: > 0 } k ? k : catalog.All.Select(d => d.Kind).Order().ToList();
        return kinds.Distinct().Select(kind =>
        {
            var format = catalog.Find(kind)?.Format ?? MessageFormat.PlainText;
            var rendered = MessageFormatter.Render(format, title, markdown);
            return new PreviewView(kind, format, rendered.Text, MessageFormatter.PreviewHtml(format, title, markdown), rendered.Length, rendered.Limit, rendered.TooLong);
        }).ToList();
    }
}

/// <summary>A text to preview.</summary>
/// <param name="Title">The title.</param>
/// <param name="Markdown">The body in Markdown.</param>
/// <param name="Kinds">The platforms to render for; all when empty.</param>
public sealed record PreviewInput(string? Title, string? Markdown, IReadOnlyList<ChannelKind>? Kinds = null);

/// <summary>A text as one platform shows it.</summary>
/// <param name="Kind">The platform.</param>
/// <param name="Format">Its text format.</param>
/// <param name="Text">The text sent to the platform.</param>
/// <param name="Html">Safe HTML that shows it as the citizen's app would.</param>
/// <param name="Length">Its length as the platform counts it.</param>
/// <param name="Limit">The platform's limit, if any.</param>
/// <param name="TooLong">True when the limit is exceeded.</param>
public sealed record PreviewView(ChannelKind Kind, MessageFormat Format, string Text, string Html, int Length, int? Limit, bool TooLong);
