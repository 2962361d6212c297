using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.OpenApi;

namespace Piazza.Server.Api;

public static class ApiSetup
{
    public static IServiceCollection AddPiazzaApi(this IServiceCollection services)
    {
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemMapping>();
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info = new OpenApiInfo
                {
                    Title = "Piazza API",
                    Version = "v1",
                    Description = "Everything the staff console does, for one organization. Authenticate with an API key of your organization: "
                        + "`Authorization: Bearer <key>`. Errors are RFC 7807 problem+json; invalid fields are named in `errors`.",
                };
                doc.Components ??= new OpenApiComponents();
                doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                doc.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key created in the console or with `create-api-key`; its scopes limit what it may do.",
                };
                doc.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", doc)] = [] }];
                return Task.CompletedTask;
            });
            o.AddSchemaTransformer((schema, context, _) =>
            {
                if (typeof(Microsoft.AspNetCore.Mvc.ProblemDetails).IsAssignableFrom(context.JsonTypeInfo.Type))
                {
                    schema.Description ??= "An error as RFC 9457 problem details (application/problem+json).";
                    foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
                    {
                        if (property is OpenApiSchema s && ProblemFields.TryGetValue(name, out var text))
                        {
                            s.Description ??= text;
                        }
                    }
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    private static readonly Dictionary<string, string> ProblemFields = new(StringComparer.Ordinal)
    {
        ["type"] = "A URI identifying the kind of problem.",
        ["title"] = "A short summary of the problem.",
        ["status"] = "The HTTP status code.",
        ["detail"] = "What went wrong, in words.",
        ["instance"] = "The request the problem is about.",
        ["errors"] = "For invalid input: the messages for each invalid field, by field name (e.g. \"name\", \"roles[0].language\").",
    };

    /// <summary>problem+json for the API; the console shows its own error page.</summary>
    public static IApplicationBuilder UsePiazzaErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandlingPath = "/console/error" });
        return app;
    }

    public static IApplicationBuilder UsePiazzaSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var h = context.Response.Headers;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "same-origin";
        h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
        await next(context);
    });
}
