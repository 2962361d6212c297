using System.Globalization;
using QRCoder;

namespace Piazza.Server.PublicSite;

/// <summary>
/// A join link's QR code (the console's flyer campaigns, the public subscribe page and flyers), made for print: error
/// correction Q (a quarter of the code may be smudged or covered), the standard quiet zone of four modules on every side,
/// black on white. The PNG is about 1,200 pixels wide (10 cm at 300 dpi);
/// the SVG is vector, 50 mm wide unless the layout program scales it.
/// </summary>
public static class FlyerQrCode
{
    /// <summary>Error correction: Q recovers about 25% of the code.</summary>
    public const QRCodeGenerator.ECCLevel ErrorCorrection = QRCodeGenerator.ECCLevel.Q;

    /// <summary>The PNG's width, at least (pixels).</summary>
    public const int PngPixels = 1200;

    /// <summary>The SVG's printed width and height.</summary>
    public const string SvgSize = "50mm";

    /// <summary>The QR code of <paramref name="text"/> as a PNG image.</summary>
    public static byte[] Png(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, ErrorCorrection);
        using var png = new PngByteQRCode(data);
        // The module matrix already holds the quiet zone.
        var modules = data.ModuleMatrix.Count;
        return png.GetGraphic(Math.Max(8, (int)Math.Ceiling(PngPixels / (double)modules)), drawQuietZones: true);
    }

    /// <summary>The QR code of <paramref name="text"/> as an SVG document, <see cref="SvgSize"/> square, with a title.</summary>
    public static string Svg(string text, string title)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, ErrorCorrection);
        using var qr = new SvgQRCode(data);
        var svg = qr.GetGraphic(10, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
        var start = svg.IndexOf("<svg ", StringComparison.Ordinal);
        if (start < 0)
        {
            return svg;
        }

        var tagEnd = svg.IndexOf('>', start);
        var header = string.Create(CultureInfo.InvariantCulture, $"<svg width=\"{SvgSize}\" height=\"{SvgSize}\" role=\"img\" ");
        var body = svg[(start + 5)..(tagEnd + 1)] + "<title>" + System.Security.SecurityElement.Escape(title) + "</title>";
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + header + body + svg[(tagEnd + 1)..];
    }
}
