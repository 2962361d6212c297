using Microsoft.Playwright;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace Piazza.Server.Tests.Browser;

/// <summary>Reads the QR code of an image (PNG or SVG) the way a phone would see it: drawn by the browser, read by ZXing.</summary>
public static class QrImages
{
    /// <summary>Draws the image in the browser (white behind it) and reads the QR code in its pixels with ZXing: at
    /// 600×600 without smoothing, and, should the drawing's rounding of module edges defeat the decoder, at other sizes
    /// and with smoothing (a phone's camera sees the code at whatever size it happens to be).</summary>
    public static async Task<string?> DecodeAsync(IPage page, byte[] image, string mediaType)
    {
        foreach (var (size, smooth) in new[] { (600, false), (600, true), (800, false), (512, true), (1000, true) })
        {
            if (await DecodeAtAsync(page, image, mediaType, size, smooth) is { } text)
            {
                return text;
            }
        }

        // Not read at any size: the image is kept next to the screenshots, so a failure can be looked at.
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        var kept = Path.Combine(BrowserFixture.ScreenshotDirectory, $"undecodable-{Guid.NewGuid():N}{(mediaType == "image/png" ? ".png" : ".svg")}");
        await File.WriteAllBytesAsync(kept, image);
        return null;
    }

    private static async Task<string?> DecodeAtAsync(IPage page, byte[] image, string mediaType, int size, bool smooth)
    {
        const string Script = """
            async ([src, size, smooth]) => {
              const img = new Image();
              img.src = src;
              await img.decode();
              const canvas = document.createElement('canvas');
              canvas.width = size; canvas.height = size;
              const g = canvas.getContext('2d');
              g.imageSmoothingEnabled = smooth;
              g.fillStyle = '#fff';
              g.fillRect(0, 0, size, size);
              g.drawImage(img, 0, 0, size, size);
              const rgba = g.getImageData(0, 0, size, size).data;
              let gray = '';
              for (let i = 0; i < rgba.length; i += 4) gray += String.fromCharCode(rgba[i]);
              return btoa(gray);
            }
            """;
        var gray = Convert.FromBase64String(await page.EvaluateAsync<string>(Script, new object[] { $"data:{mediaType};base64,{Convert.ToBase64String(image)}", size, smooth }));
        var source = new RGBLuminanceSource(gray, size, size, RGBLuminanceSource.BitmapFormat.Gray8);
        // A generated code drawn straight is read as a "pure" code first (its modules found from its corners), then
        // searched for as a camera would (finder patterns), with each binarizer.
        foreach (var bitmap in new[] { new BinaryBitmap(new HybridBinarizer(source)), new BinaryBitmap(new GlobalHistogramBinarizer(source)) })
        {
            foreach (var pure in new[] { true, false })
            {
                var hints = new Dictionary<DecodeHintType, object> { [DecodeHintType.TRY_HARDER] = true };
                if (pure)
                {
                    hints[DecodeHintType.PURE_BARCODE] = true;
                }

                if (new QRCodeReader().decode(bitmap, hints)?.Text is { } text)
                {
                    return text;
                }
            }
        }

        return null;
    }
}
