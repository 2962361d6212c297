using Piazza.Channels.Campaigns;
using Piazza.Channels.WeChat;

namespace Piazza.Server.Api;

/// <summary>/api/v1/channels/{id}/campaigns: flyer QR campaigns and the followers they brought;
/// /api/v1/bulletins/{id}/comments: followers' comments on bulletins sent to WeChat as articles.</summary>
public static class CampaignEndpoints
{
    public static RouteGroupBuilder MapCampaigns(this RouteGroupBuilder api)
    {
        var campaigns = api.MapGroup("/channels/{id:guid}/campaigns").WithTags("Campaigns");
        campaigns.MapGet("/", (Guid id, FlyerCampaignService s, CancellationToken ct) => s.ListAsync(id, ct))
            .WithName("ListCampaigns")
            .WithDescription("The channel's flyer campaigns, newest first, each with the followers it brought (subscribers whose source is \"flyer:\" and its scene): still active, and in all. Needs channels:read.")
            .ProducesProblem(404);
        campaigns.MapPost("/", async (Guid id, FlyerCampaignInput input, FlyerCampaignService s, CancellationToken ct) =>
        {
            var created = await s.CreateAsync(id, input, ct);
            return TypedResults.Created($"/api/v1/channels/{id}/campaigns/{created.Id}", created);
        }).WithName("CreateCampaign")
            .WithDescription("Creates a flyer campaign whose QR code encodes joinUrl (joinUrls: the link in each of the organization's languages): "
                + "on a WeChat channel a permanent parameter QR code (QR_LIMIT_STR_SCENE) made by WeChat — when WeChat refuses it, nothing is stored and the answer is 409 with WeChat's error; "
                + "on a Telegram bot the deep link https://t.me/<bot>?start=c-<scene> (t-<topic>_c-<scene> with topicId); on WhatsApp the wa.me link of the channel's public number whose text is the subscribe keyword followed by c-<scene>. "
                + "Those who subscribe from it get the source flyer:<scene>. Needs channels:write.")
            .ProducesProblem(404).ProducesProblem(409);

        var comments = api.MapGroup("/bulletins/{id:guid}/comments").WithTags("Comments");
        comments.MapGet("/", (Guid id, WeChatComments s, CancellationToken ct) => s.ListAsync(id, ct))
            .WithName("ListBulletinComments")
            .WithDescription("The bulletin's articles on WeChat channels and the comments followers left on them (read every few minutes; authors masked), newest first. Needs bulletins:read.")
            .ProducesProblem(404);
        comments.MapPost("/refresh", (Guid id, WeChatComments s, CancellationToken ct) => s.RefreshAsync(id, ct))
            .WithName("RefreshBulletinComments")
            .WithDescription("Reads the comments from WeChat now. Articles WeChat refuses to list are named in problems. Needs bulletins:read.")
            .ProducesProblem(404);
        comments.MapPost("/{commentId:long}/reply", (Guid id, long commentId, CommentReplyInput input, WeChatComments s, CancellationToken ct) =>
            s.ReplyAsync(id, commentId, input, ct))
            .WithName("ReplyToComment")
            .WithDescription("Replies publicly under the comment on WeChat (replacing an earlier reply); audited. Needs bulletins:approve. 409 when WeChat refuses.")
            .ProducesProblem(404).ProducesProblem(409);
        comments.MapPost("/{commentId:long}/hide", (Guid id, long commentId, WeChatComments s, CancellationToken ct) =>
            s.HideAsync(id, commentId, ct))
            .WithName("HideComment")
            .WithDescription("Removes the comment from the article's public comments on WeChat (unelect); audited. Needs bulletins:approve. 409 when WeChat refuses.")
            .ProducesProblem(404).ProducesProblem(409);
        comments.MapPost("/{commentId:long}/show", (Guid id, long commentId, WeChatComments s, CancellationToken ct) =>
            s.ShowAsync(id, commentId, ct))
            .WithName("ShowComment")
            .WithDescription("Shows the comment publicly under the article on WeChat (elect); audited. Needs bulletins:approve. 409 when WeChat refuses.")
            .ProducesProblem(404).ProducesProblem(409);
        return api;
    }
}
