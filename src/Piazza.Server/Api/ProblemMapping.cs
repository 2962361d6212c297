using System.Data.Common;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Piazza.Common;
using Piazza.Subscribers.Import;

namespace Piazza.Server.Api;

/// <summary>Turns exceptions into RFC 7807 problem+json: invalid input → 400 naming each field, another
/// organization's or a missing object → 404, a missing permission → 403, malformed JSON → 400; under /api any other
/// error → 500 (503 when the database is unreachable).</summary>
public sealed class ProblemMapping(IProblemDetailsService problems, ILogger<ProblemMapping> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            ValidationFailedException v => new HttpValidationProblemDetails(v.Errors.ToDictionary(e => e.Key, e => e.Value))
            {
                Status = 400, Title = "The request has invalid fields.", Detail = string.Join(" ", v.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
            },
            SubscriberImportRefusedException r => new HttpValidationProblemDetails(r.Errors.ToDictionary(e => e.Key, e => e.Value))
            {
                Status = 400, Title = "The list has rows with problems: nothing was imported.",
                Detail = $"{r.Report.BadRows} of {r.Report.RowsRead} rows have problems ({r.Report.ProblemCount} in all; the first {r.Report.Problems.Count} are in errors and report.problems).",
                Extensions = { ["report"] = r.Report },
            },
            NotFoundException nf => new ProblemDetails { Status = 404, Title = "Not found", Detail = $"There is no {nf.ObjectType} {nf.Id} in your organization." },
            ForbiddenException f => new ProblemDetails { Status = 403, Title = "Forbidden", Detail = f.Message },
            ConflictException c => new ProblemDetails { Status = 409, Title = "Conflict", Detail = c.Message },
            BadHttpRequestException { InnerException: JsonException json } => BadJson(json),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = bad.Message },
            _ => null,
        };
        if (problem is null)
        {
            // The middleware has already pointed the request at the error page: the original path is in the feature.
            var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path.Value;
            logger.LogError(exception, "Unhandled error on {Path}", path);
            if (!new PathString(path).StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                return false; // the console shows its error page
            }

            // API clients get problem+json for every error, never the console's HTML error page.
            problem = IsDatabaseUnreachable(exception)
                ? new ProblemDetails { Status = 503, Title = "Service unavailable", Detail = "The database cannot be reached right now. Try again later." }
                : new ProblemDetails { Status = 500, Title = "Internal error", Detail = "The error has been logged." };
        }

        httpContext.Response.StatusCode = problem.Status ?? 400;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>A connection failure (EF may wrap it, e.g. Npgsql's transient errors), not a failed write.</summary>
    private static bool IsDatabaseUnreachable(Exception exception)
    {
        if (exception is Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            return false;
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private static HttpValidationProblemDetails BadJson(JsonException json)
    {
        var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : JsonPathToField(json.Path);
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = ["This value is not valid here (wrong type or format)."] })
        {
            Status = 400, Title = "The request body is not valid JSON for this operation.", Detail = $"{field}: the value has the wrong type or format.",
        };
    }

    private static string JsonPathToField(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
