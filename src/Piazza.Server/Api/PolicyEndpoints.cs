using Piazza.Policies;

namespace Piazza.Server.Api;

/// <summary>/api/v1/channels/{id}/policies: the published versions of a channel's policy (its rules and privacy notice).</summary>
public static class PolicyEndpoints
{
    public static RouteGroupBuilder MapPolicies(this RouteGroupBuilder api)
    {
        var policies = api.MapGroup("/channels/{id:guid}/policies").WithTags("Policies");
        policies.MapGet("/", (Guid id, ChannelPolicyService s, CancellationToken ct) => s.ListAsync(id, ct))
            .WithName("ListChannelPolicies")
            .WithDescription("The published versions of the channel's policy, newest first (the first is in force), with when and by whom each was published. Needs channels:read.")
            .ProducesProblem(404);
        policies.MapGet("/{version:int}", (Guid id, int version, ChannelPolicyService s, CancellationToken ct) => s.GetAsync(id, version, ct))
            .WithName("GetChannelPolicy")
            .WithDescription("One version of the channel's policy with its text (Markdown) in each language. Versions are never changed: a consent's policyVersion names the text the person agreed to. Needs channels:read.")
            .ProducesProblem(404);
        policies.MapPost("/", async (Guid id, ChannelPolicyInput input, ChannelPolicyService s, CancellationToken ct) =>
        {
            var published = await s.PublishAsync(id, input, ct);
            return TypedResults.Created($"/api/v1/channels/{id}/policies/{published.Version}", published);
        }).WithName("PublishChannelPolicy")
            .WithDescription("Publishes the next version of the channel's policy: texts holds the Markdown in every language of the organization (at most 20,000 characters each), note optionally says what changed. "
                + "From now on consents on the channel record this version and the subscription's confirmation links to its public page (unless the channel's policyUrl is set). Audited. Needs channels:write.")
            .ProducesProblem(404);
        return api;
    }
}
