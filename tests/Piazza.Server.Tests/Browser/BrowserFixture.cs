using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Piazza.Server.Tests.Infrastructure;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The real server on a loopback port with the demo municipality, and a headless Chromium
/// (Debian's, not a downloaded one) driven by Playwright.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Password = "Demo-Browser-Password-1";

    private readonly TestDatabase _database = new();
    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>The server's database, to check what the pages wrote (audit entries, encrypted secrets).</summary>
    public TestDatabase Database => _database;
    /// <summary>The server's services, to prepare data as the command line would (e.g. a user of a test's own).</summary>
    public IServiceProvider Services => _factory?.Services ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Where screenshots go: TestResults/screenshots next to the test assembly, or PIAZZA_SCREENSHOTS.</summary>
    public static string ScreenshotDirectory { get; } = Environment.GetEnvironmentVariable("PIAZZA_SCREENSHOTS")
        ?? Path.Combine(AppContext.BaseDirectory, "screenshots", TestDatabase.Kind);

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            _database.Configure(b);
            b.UseSetting("Database:SeedDemoOnStart", "true");
            b.UseSetting("Demo:Password", Password);
            b.UseSetting("Demo:Subscribers", "24");
            b.UseSetting("PublicSite:CacheFor", "00:00:00");
            Directory.CreateDirectory(ScreenshotDirectory);
            b.ConfigureLogging(l => l.AddProvider(new ServerErrorLog(Path.Combine(ScreenshotDirectory, "server-errors.log"))));
        });
        // A port of its own on the loopback interface, chosen by the system: UseKestrel(0) alone left Kestrel on its
        // default localhost:5000, so two test runs at the same time (several worktrees) failed to start.
        _factory.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        _factory.StartServer();
        BaseAddress = _factory.ClientOptions.BaseAddress;

        var chromium = Environment.GetEnvironmentVariable("PIAZZA_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"Chromium is needed for the browser tests and was not found at {chromium}. Run ./test.sh (it installs it) or set PIAZZA_CHROMIUM.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A new browser context (own cookies) with a page, optionally signed in.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900, string? signInAs = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "it-IT",
        });
        var page = await context.NewPageAsync();
        if (signInAs is not null)
        {
            await SignInAsync(page, signInAs, Password);
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console$"));
        }

        return page;
    }

    public static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/console/sign-in");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
    }

    /// <summary>The elements that make the page scroll sideways , as "tag.class" strings from the outermost inward.</summary>
    public static async Task<string[]> OverflowingElementsAsync(IPage page)
    {
        // Walks down from <body>: at each level, the child whose hiding removes the sideways scroll is the culprit.
        const string Script = """
            () => {
              const fits = () => document.documentElement.scrollWidth <= window.innerWidth + 1;
              if (fits()) return [];
              const path = [];
              let node = document.body;
              while (node) {
                let next = null;
                for (const child of node.children) {
                  const old = child.style.display;
                  child.style.display = 'none';
                  const ok = fits();
                  child.style.display = old;
                  if (ok) { next = child; break; }
                }
                if (!next) break;
                path.push(next.tagName.toLowerCase() + (typeof next.className === 'string' && next.className.trim() ? '.' + next.className.trim().split(/\s+/).join('.') : '') + ' (' + Math.round(next.getBoundingClientRect().right) + 'px)');
                node = next;
              }
              return path.length ? path.slice(-4) : ['the document (' + document.documentElement.scrollWidth + 'px)'];
            }
            """;
        return await page.EvaluateAsync<string[]>(Script);
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await _database.DisposeAsync();
    }
}
