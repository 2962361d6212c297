using System.Text;
using Piazza.Channels.WhatsApp.Simulator;
using Piazza.Server.StaffConsole;

namespace Piazza.Server.Sandbox;

/// <summary>
/// The WhatsApp simulator's HTTP face: <c>POST /sandbox/whatsapp/{version}/{phoneNumberId}/messages</c> is the Cloud
/// API's send for sandbox channels (their adapter calls it instead of graph.facebook.com), and
/// <c>GET /console/sandbox/phone/messages</c> is what the citizen phone page's script polls.
/// </summary>
public static class WhatsAppSimulatorEndpoints
{
    private const int MaxBody = 256 * 1024;

    public static IEndpointRouteBuilder MapWhatsAppSimulator(this IEndpointRouteBuilder app)
    {
        app.MapPost("/sandbox/whatsapp/{version}/{phoneNumberId}/messages", SendAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();

        // The conversation of one number with one sandbox channel, for the citizen phone page (it only reads).
        app.MapGet("/console/sandbox/phone/messages", async (Guid channel, string? phone, SandboxPhone sandbox, HttpContext context, CancellationToken ct) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            if (SandboxPhone.NormalizePhone(phone) is not { } number)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The phone number must be in international format, e.g. +393330000001.");
            }

            var messages = await sandbox.MessagesAsync(channel, number, ct);
            return Results.Json(new
            {
                phone = number,
                messages = messages.Select(m => new { id = m.Id, fromCitizen = m.FromCitizen, text = m.Text, template = m.Template, at = m.At, status = m.Status }),
            });
        }).RequireAuthorization(ConsoleSetup.StaffPolicy).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SendAsync(
        string version, string phoneNumberId, HttpRequest request, SandboxChannels channels, WhatsAppSimulator simulator, CancellationToken ct)
    {
        if (request.ContentLength > MaxBody)
        {
            return Json(WhatsAppSimulator.Error(StatusCodes.Status413PayloadTooLarge, 100, "(#100) Request too large", "The request body is too large."));
        }

        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            var buffer = new char[MaxBody + 1];
            var read = await reader.ReadBlockAsync(buffer, ct);
            if (read > MaxBody)
            {
                return Json(WhatsAppSimulator.Error(StatusCodes.Status413PayloadTooLarge, 100, "(#100) Request too large", "The request body is too large."));
            }

            body = new string(buffer, 0, read);
        }

        var channel = await channels.FindByPhoneNumberIdAsync(phoneNumberId, ct);
        return Json(simulator.Send(channel?.Account, channel?.Rate ?? 80, phoneNumberId, request.Headers.Authorization, body));
    }

    private static IResult Json(SimulatorAnswer answer) =>
        Results.Text(answer.Body.ToJsonString(), "application/json", Encoding.UTF8, answer.Status);
}
