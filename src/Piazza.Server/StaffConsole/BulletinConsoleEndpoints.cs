using Piazza.Channels;
using Piazza.Posts;
using Piazza.Server.Api;
using Piazza.Server.StaffConsole.Shared;

namespace Piazza.Server.StaffConsole;

/// <summary>The JSON the bulletin pages' script (wwwroot/js/bulletins.js) asks for: the live preview of a text and the
/// progress of a sending. Both only read, so they need no antiforgery token; the services check the permissions.</summary>
public static class BulletinConsoleEndpoints
{
    public static IEndpointRouteBuilder MapBulletinConsole(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/console/bulletins").RequireAuthorization(ConsoleSetup.StaffPolicy).ExcludeFromDescription();

        // What citizens would see on each platform, with the length as the platform counts it.
        group.MapPost("/preview", (PreviewInput input, ChannelCatalog catalog) =>
            BulletinEndpoints.Preview(input, catalog).Select(p => p with { Html = BulletinLabels.PreviewMarkup(p.Html) }).ToList());

        // Deliveries by state, in all and per channel, and when they were counted (two readings give the rate).
        group.MapGet("/{id:guid}/progress", async (Guid id, PostService posts, HttpContext context, CancellationToken ct) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return await posts.GetProgressAsync(id, ct);
        });
        return app;
    }
}
