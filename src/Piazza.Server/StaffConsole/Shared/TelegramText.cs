using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Piazza.Channels.Telegram.Simulator;

namespace Piazza.Server.StaffConsole.Shared;

/// <summary>
/// A Telegram message as the app shows it: bold, italic, links… drawn as elements of a fixed list, every piece of text as
/// text (Blazor encodes it), so nothing a bulletin's author or a citizen wrote is ever read as HTML. The citizen phone's
/// script (wwwroot/js/citizen-phone.js) draws the same pieces the same way when it refreshes the chat.
/// </summary>
public sealed class TelegramText : ComponentBase
{
    [Parameter, EditorRequired]
    public IReadOnlyList<TelegramNode> Nodes { get; set; } = [];

    /// <summary>The element each kind of piece is drawn as.</summary>
    public static string ElementOf(string kind) => kind switch
    {
        "b" => "strong",
        "i" => "em",
        "u" => "u",
        "s" => "s",
        "code" => "code",
        "pre" => "pre",
        "blockquote" => "blockquote",
        "a" => "a",
        _ => "span",
    };

    protected override void BuildRenderTree(RenderTreeBuilder builder) => Render(builder, Nodes);

    private static void Render(RenderTreeBuilder builder, IReadOnlyList<TelegramNode> nodes)
    {
        foreach (var node in nodes)
        {
            if (node.Kind == "text")
            {
                builder.AddContent(0, node.Text);
                continue;
            }

            builder.OpenElement(1, ElementOf(node.Kind));
            if (node.Kind == "a" && node.Href is { } href && (href.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || href.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
            {
                builder.AddAttribute(2, "href", href);
                builder.AddAttribute(3, "rel", "noopener noreferrer nofollow");
                builder.AddAttribute(4, "target", "_blank");
            }

            if (node.Kind == "spoiler")
            {
                builder.AddAttribute(5, "class", "tg-spoiler");
            }

            builder.AddAttribute(6, "data-tg", node.Kind);
            Render(builder, node.Children);
            builder.CloseElement();
        }
    }
}
