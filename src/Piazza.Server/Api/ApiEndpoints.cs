using Microsoft.AspNetCore.Mvc;
using Piazza.ApiKeys;
using Piazza.Audit;
using Piazza.Channels;
using Piazza.Common;
using Piazza.Offices;
using Piazza.Organizations;
using Piazza.Staff;
using Piazza.Subscribers;
using Piazza.Subscribers.Import;
using Piazza.Topics;

namespace Piazza.Server.Api;

/// <summary>The HTTP API, <c>/api/v1</c>: everything the console does, for an organization's API keys.
/// Permissions are checked by the feature services (a missing scope is a 403); another organization's
/// objects are invisible (404).</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapPiazzaApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        var api = app.MapGroup("/api/v1")
            .RequireAuthorization(ApiPolicy)
            .ProducesValidationProblem()
            .ProducesProblem(401)
            .ProducesProblem(403)
            .DisableAntiforgery();

        var org = api.MapGroup("/organization").WithTags("Organization");
        org.MapGet("/", (OrganizationService s, CancellationToken ct) => s.GetAsync(ct)).WithName("GetOrganization");
        org.MapPut("/", (OrganizationInput input, OrganizationService s, CancellationToken ct) => s.UpdateAsync(input, ct)).WithName("UpdateOrganization");

        var offices = api.MapGroup("/offices").WithTags("Offices");
        offices.MapGet("/", (OfficeService s, CancellationToken ct) => s.ListAsync(ct)).WithName("ListOffices");
        offices.MapGet("/{id:guid}", (Guid id, OfficeService s, CancellationToken ct) => s.GetAsync(id, ct)).WithName("GetOffice").ProducesProblem(404);
        offices.MapPost("/", async (OfficeInput input, OfficeService s, CancellationToken ct) =>
        {
            var o = await s.CreateAsync(input, ct);
            return TypedResults.Created($"/api/v1/offices/{o.Id}", o);
        }).WithName("CreateOffice");
        offices.MapPut("/{id:guid}", (Guid id, OfficeInput input, OfficeService s, CancellationToken ct) => s.UpdateAsync(id, input, ct)).WithName("UpdateOffice").ProducesProblem(404);
        offices.MapDelete("/{id:guid}", async (Guid id, OfficeService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteOffice").ProducesProblem(404);

        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", (StaffService s, CancellationToken ct) => s.ListAsync(ct)).WithName("ListUsers");
        users.MapGet("/{id:guid}", (Guid id, StaffService s, CancellationToken ct) => s.GetAsync(id, ct)).WithName("GetUser").ProducesProblem(404);
        users.MapPost("/", async (StaffUserInput input, StaffService s, CancellationToken ct) =>
        {
            var u = await s.CreateAsync(input, ct);
            return TypedResults.Created($"/api/v1/users/{u.User.Id}", u);
        }).WithName("CreateUser");
        users.MapPut("/{id:guid}", (Guid id, StaffUserInput input, StaffService s, CancellationToken ct) => s.UpdateAsync(id, input, ct)).WithName("UpdateUser").ProducesProblem(404);
        users.MapPost("/{id:guid}/reset-password", async (Guid id, StaffService s, CancellationToken ct) => new PasswordReset(await s.ResetPasswordAsync(id, ct)))
            .WithName("ResetUserPassword").ProducesProblem(404);
        users.MapDelete("/{id:guid}", async (Guid id, StaffService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteUser").ProducesProblem(404);

        var topics = api.MapGroup("/topics").WithTags("Topics");
        topics.MapGet("/", (TopicService s, CancellationToken ct) => s.ListAsync(ct)).WithName("ListTopics");
        topics.MapGet("/{id:guid}", (Guid id, TopicService s, CancellationToken ct) => s.GetAsync(id, ct)).WithName("GetTopic").ProducesProblem(404);
        topics.MapPost("/", async (TopicInput input, TopicService s, CancellationToken ct) =>
        {
            var t = await s.CreateAsync(input, ct);
            return TypedResults.Created($"/api/v1/topics/{t.Id}", t);
        }).WithName("CreateTopic");
        topics.MapPut("/{id:guid}", (Guid id, TopicInput input, TopicService s, CancellationToken ct) => s.UpdateAsync(id, input, ct)).WithName("UpdateTopic").ProducesProblem(404);
        topics.MapDelete("/{id:guid}", async (Guid id, TopicService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteTopic").ProducesProblem(404);

        var channels = api.MapGroup("/channels").WithTags("Channels");
        channels.MapGet("/kinds", (ChannelCatalog catalog) => catalog.All.OrderBy(d => d.Kind).ToList()).WithName("ListChannelKinds");
        channels.MapGet("/", (ChannelService s, CancellationToken ct) => s.ListAsync(ct)).WithName("ListChannels");
        channels.MapGet("/{id:guid}", (Guid id, ChannelService s, CancellationToken ct) => s.GetAsync(id, ct)).WithName("GetChannel").ProducesProblem(404);
        channels.MapPost("/", async (ChannelInput input, ChannelService s, CancellationToken ct) =>
        {
            var c = await s.CreateAsync(input, ct);
            return TypedResults.Created($"/api/v1/channels/{c.Id}", c);
        }).WithName("CreateChannel");
        channels.MapPut("/{id:guid}", (Guid id, ChannelInput input, ChannelService s, CancellationToken ct) => s.UpdateAsync(id, input, ct)).WithName("UpdateChannel").ProducesProblem(404);
        channels.MapDelete("/{id:guid}", async (Guid id, ChannelService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteChannel").ProducesProblem(404);
        channels.MapPost("/{id:guid}/subscribers/import", async (
            Guid id, bool dryRun, IFormFile? file, [FromForm] string? policyVersion, [FromForm] string? source,
            SubscriberImportService s, CancellationToken ct) =>
        {
            await using var stream = file?.OpenReadStream();
            var input = new SubscriberImportInput(policyVersion, source, file?.FileName);
            return dryRun ? await s.CheckAsync(id, input, stream, ct) : await s.ImportAsync(id, input, stream, ct);
        }).WithName("ImportSubscribers").WithTags("Subscribers")
            .WithDescription("Imports a list of subscribers kept before Piazza into a channel whose subscribers are phone numbers (WhatsApp): "
                + "multipart/form-data with `file` (CSV, at most 5 MB and 100,000 rows; header `phone,languages,topics,consent_date,source`), "
                + "`policyVersion` (required) and `source` (optional). `dryRun=true` writes nothing and reports every bad row; "
                + "`dryRun=false` imports all the new subscribers in one transaction, or answers 400 with the bad rows and writes nothing. "
                + "Numbers already on the channel (also those who left) are skipped. Needs subscribers:write.")
            .ProducesProblem(404).ProducesProblem(409);

        var subscribers = api.MapGroup("/subscribers").WithTags("Subscribers");
        subscribers.MapGet("/", (
            Guid? channelId, SubscriberStatus? status, Guid? topicId, string? language, string? source, string? search, int? skip, int? take,
            SubscriberService s, CancellationToken ct) =>
            s.ListAsync(new SubscriberFilter(channelId, status, topicId, language, source, search), new Paging(skip ?? 0, take ?? 50), ct))
            .WithName("ListSubscribers");
        subscribers.MapGet("/{id:long}", (long id, SubscriberService s, CancellationToken ct) => s.GetAsync(id, ct)).WithName("GetSubscriber").ProducesProblem(404);
        subscribers.MapGet("/{id:long}/personal-data", (long id, string? purpose, SubscriberService s, CancellationToken ct) =>
            s.RevealAsync(id, string.IsNullOrWhiteSpace(purpose) ? "read through the API" : "API: " + purpose, ct))
            .WithName("GetSubscriberPersonalData").WithDescription("The subscriber's full address and name. Needs subscribers:personal-data; every call is audited.").ProducesProblem(404);
        subscribers.MapPost("/", async (SubscriberInput input, SubscriberService s, CancellationToken ct) =>
        {
            var sub = await s.CreateAsync(input, ct);
            return TypedResults.Created($"/api/v1/subscribers/{sub.Id}", sub);
        }).WithName("CreateSubscriber");
        subscribers.MapPatch("/{id:long}", (long id, SubscriberUpdate input, SubscriberService s, CancellationToken ct) => s.UpdateAsync(id, input, ct))
            .WithName("UpdateSubscriber").ProducesProblem(404);
        subscribers.MapDelete("/{id:long}", async (long id, SubscriberService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("EraseSubscriber").ProducesProblem(404);

        api.MapBulletins();
        api.MapCampaigns();   // flyer QR campaigns of a channel; comments on bulletins sent to WeChat as articles
        api.MapPolicies();    // the published, versioned policies of a channel

        var audit = api.MapGroup("/audit").WithTags("Audit");
        audit.MapGet("/", async (string? objectType, string? objectId, int? skip, int? take, Auditor a, CancellationToken ct) =>
            (await a.ListAsync(objectType, objectId, skip ?? 0, take ?? 100, ct)).Select(AuditEntryView.From).ToList()).WithName("ListAuditEntries");

        var keys = api.MapGroup("/api-keys").WithTags("API keys");
        keys.MapGet("/", (ApiKeyService s, CancellationToken ct) => s.ListAsync(ct)).WithName("ListApiKeys");
        keys.MapPost("/", async (ApiKeyInput input, ApiKeyService s, CancellationToken ct) =>
        {
            var k = await s.CreateAsync(input, ct);
            return TypedResults.Created($"/api/v1/api-keys/{k.ApiKey.Id}", k);
        }).WithName("CreateApiKey");
        keys.MapDelete("/{id:guid}", async (Guid id, ApiKeyService s, CancellationToken ct) =>
        {
            await s.RevokeAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("RevokeApiKey").ProducesProblem(404);

        // Routing passes over an operation whose body is not JSON: say so rather than "no such operation".
        // The list import takes a form with the file instead.
        api.MapFallback((HttpRequest request) => HttpMethods.IsPost(request.Method) && !request.HasFormContentType
                && request.Path.Value?.EndsWith("/subscribers/import", StringComparison.OrdinalIgnoreCase) == true
            ? Results.Problem(statusCode: 415, title: "Unsupported media type", detail: "Send the list as multipart/form-data, with the CSV file in the field named file.")
            : request.ContentType is not null && !request.HasJsonContentType()
            ? Results.Problem(statusCode: 415, title: "Unsupported media type", detail: "Send the request body as JSON (Content-Type: application/json).")
            : Results.Problem(statusCode: 404, title: "Not found", detail: "There is no such API operation.")).ExcludeFromDescription();
        return app;
    }

    /// <summary>Authorization policy for the API: an API key.</summary>
    public const string ApiPolicy = "api";
}

/// <summary>A new password generated for a user.</summary>
/// <param name="Password">Shown once: hand it over to the user, who should change it.</param>
public sealed record PasswordReset(string Password);

/// <summary>One entry of the audit log.</summary>
/// <param name="Id">Entry id (increasing).</param>
/// <param name="At">When (UTC).</param>
/// <param name="ActorKind">User, ApiKey, System or CommandLine.</param>
/// <param name="ActorName">Who: e-mail of the user or name of the key.</param>
/// <param name="Action">What was done (e.g. "topic.created", "personal-data.read").</param>
/// <param name="ObjectType">Kind of object (e.g. "subscriber").</param>
/// <param name="ObjectId">Its id.</param>
/// <param name="Detail">More detail, without personal data.</param>
/// <param name="RemoteIp">The client's IP address.</param>
public sealed record AuditEntryView(long Id, DateTime At, ActorKind ActorKind, string ActorName, string Action, string ObjectType, string? ObjectId, string? Detail, string? RemoteIp)
{
    public static AuditEntryView From(AuditEntry a) => new(a.Id, a.At, a.ActorKind, a.ActorName, a.Action, a.ObjectType, a.ObjectId, a.Detail, a.RemoteIp);
}
