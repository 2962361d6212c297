using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;

namespace Piazza.Server.Tests.Browser;

/// <summary>The axe-core accessibility engine (Deque's, bundled by Deque.AxeCore.Playwright) run on a page in the
/// browser: every WCAG 2.0 and 2.1 rule of levels A and AA must pass.</summary>
public static class Axe
{
    /// <summary>The rule sets checked: WCAG 2.0 and 2.1, levels A and AA.</summary>
    public static readonly IReadOnlyList<string> Tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    /// <summary>Runs axe on the page as it is now and fails with every violation (rule, impact, the elements).</summary>
    public static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var result = await RunAsync(page);
        Assert.True(result.Passes.Length > 10, $"axe checked too little on {what} ({result.Passes.Length} rules passed): did it run on the page?");
        Assert.True(result.Violations.Length == 0, $"Accessibility violations on {what} ({page.Url}):\n{Describe(result.Violations)}");
    }

    public static Task<AxeResult> RunAsync(IPage page) => page.RunAxe(new AxeRunOptions
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. Tags] },
    });

    public static string Describe(IEnumerable<AxeResultItem> violations)
    {
        var text = new StringBuilder();
        foreach (var v in violations)
        {
            text.Append("- ").Append(v.Id).Append(" (").Append(v.Impact).Append("): ").AppendLine(v.Help);
            foreach (var node in v.Nodes.Take(5))
            {
                text.Append("    ").Append(node.Target).Append("  ").AppendLine(node.Html);
                if (node.Any.FirstOrDefault()?.Message is { } message)
                {
                    text.Append("      ").AppendLine(message);
                }
            }
        }

        return text.ToString();
    }
}
