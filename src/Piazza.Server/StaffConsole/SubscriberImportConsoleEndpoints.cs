using Piazza.Subscribers.Import;

namespace Piazza.Server.StaffConsole;

/// <summary>The import page's template: a CSV file with the header and two example rows (semicolons and a BOM, so
/// that Excel set to Italian opens it in columns). It only reads, so it needs no antiforgery token.</summary>
public static class SubscriberImportConsoleEndpoints
{
    public static IEndpointRouteBuilder MapSubscriberImportConsole(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/subscribers/import/template.csv", async (SubscriberImportService import, CancellationToken ct) =>
            Results.File(await import.TemplateAsync(ct), "text/csv; charset=utf-8", "piazza-subscribers.csv"))
            .RequireAuthorization(ConsoleSetup.StaffPolicy).ExcludeFromDescription();
        return app;
    }
}
