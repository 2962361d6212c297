using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Piazza.Common;
using Piazza.Server.Resources;

namespace Piazza.Server.StaffConsole.Shared;

/// <summary>Base of the console's pages: runs an action and turns the feature services' errors into
/// messages shown next to the fields (translated through the resource files).</summary>
public abstract class ConsolePage : ComponentBase
{
    [Inject]
    protected IStringLocalizer<Text> Text { get; set; } = default!;

    [Inject]
    protected NavigationManager Nav { get; set; } = default!;

    /// <summary>Messages per field of the last failed action.</summary>
    protected IReadOnlyDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    /// <summary>A message for the whole page (error or confirmation).</summary>
    protected string? Message { get; set; }

    protected bool MessageIsError { get; set; }

    /// <summary>True when the object asked for does not exist in this organization.</summary>
    protected bool NotFound { get; set; }

    private bool _initialized;

    /// <summary>The lifecycle of <see cref="ComponentBase"/> without its early render. ComponentBase renders a page
    /// once while <c>OnInitializedAsync</c> is still awaiting; the console is rendered statically on the server, where
    /// that render is thrown away, but it still runs the markup against half-loaded state — which throws only when a
    /// query happens to yield (PostgreSQL yes, SQLite never), so such a bug showed on one database, now and then.
    /// Here a page renders once, after it has loaded.</summary>
    public override async Task SetParametersAsync(ParameterView parameters)
    {
        parameters.SetParameterProperties(this);
        if (!_initialized)
        {
            _initialized = true;
            OnInitialized();
            await OnInitializedAsync();
        }

        OnParametersSet();
        await OnParametersSetAsync();
        StateHasChanged();
    }

    protected async Task<bool> RunAsync(Func<Task> action)
    {
        Errors = new Dictionary<string, string[]>();
        Message = null;
        try
        {
            await action();
            return true;
        }
        catch (ValidationFailedException e)
        {
            Errors = e.Errors.ToDictionary(x => x.Key, x => x.Value.Select(m => Text[m].Value).ToArray(), StringComparer.Ordinal);
            Message = Text["Please correct the highlighted fields."];
            MessageIsError = true;
            return false;
        }
        catch (ForbiddenException)
        {
            Message = Text["You do not have permission to do this."];
            MessageIsError = true;
            return false;
        }
        catch (ConflictException e)
        {
            // Someone else acted first, or the object is no longer in a state that allows this.
            Message = Text[e.Message].Value;
            MessageIsError = true;
            return false;
        }
        catch (NotFoundException)
        {
            NotFound = true;
            return false;
        }
    }

    protected void Confirm(string message)
    {
        Message = message;
        MessageIsError = false;
    }

    protected string? ErrorFor(string field) => Errors.TryGetValue(field, out var m) ? string.Join(" ", m) : null;

    protected string InvalidClass(string field) => Errors.ContainsKey(field) ? "is-invalid" : string.Empty;
}
