namespace Piazza.Server.Resources;

/// <summary>Marker for the console's interface text: <c>Text.it.resx</c> (Italian) translates the English keys
/// used in the components; English is the key itself (<c>Text.resx</c> lists them all).</summary>
public sealed class Text;
