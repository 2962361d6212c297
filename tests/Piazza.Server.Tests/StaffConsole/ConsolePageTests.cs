using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Piazza.Server.StaffConsole.Shared;
using Xunit;

namespace Piazza.Server.Tests.StaffConsole;

/// <summary>A console page renders once, after it has loaded: never while its loading is still awaiting (the early
/// render of ComponentBase ran the markup against half-loaded state, and threw on PostgreSQL only, when a query
/// yielded).</summary>
public sealed class ConsolePageTests
{
    [Fact]
    public async Task A_page_is_not_rendered_while_it_is_still_loading()
    {
        var probe = new Probe();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddLocalization()
            .AddSingleton<NavigationManager, TestNavigation>()
            .AddSingleton(probe)
            .BuildServiceProvider();
        await using var renderer = new HtmlRenderer(services, NullLoggerFactory.Instance);

        var rendering = renderer.Dispatcher.InvokeAsync(async () => (await renderer.RenderComponentAsync<SlowPage>()).ToHtmlString());
        await probe.Loading.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the page is awaiting its (slow) query
        await renderer.Dispatcher.InvokeAsync(() => { }); // whatever the renderer does meanwhile has run
        Assert.Empty(probe.Renders);

        probe.Query.SetResult("loaded");
        var html = await rendering.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["loaded"], probe.Renders);
        Assert.Equal("<p>loaded</p>", html);
    }

    public sealed class Probe
    {
        public TaskCompletionSource Loading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> Query { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string?> Renders { get; } = [];
    }

    private sealed class SlowPage : ConsolePage
    {
        private string? _data;

        [Inject]
        public Probe Probe { get; set; } = default!;

        protected override async Task OnInitializedAsync()
        {
            Probe.Loading.SetResult();
            _data = await Probe.Query.Task;
        }

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            Probe.Renders.Add(_data);
            builder.OpenElement(0, "p");
            builder.AddContent(1, _data);
            builder.CloseElement();
        }
    }

    private sealed class TestNavigation : NavigationManager
    {
        public TestNavigation() => Initialize("http://127.0.0.1/", "http://127.0.0.1/console");
    }
}
