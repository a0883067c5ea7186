using System.Text;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Names formats that are recognisable but not decoded, so a failure can say "unsupported format: HEIC"
/// rather than "not an image".
/// </summary>
internal static class UnsupportedFormatNames
{
    private static ReadOnlySpan<byte> JpegXlCodestream => [0xFF, 0x0A];

    private static ReadOnlySpan<byte> JpegXlContainer => [0, 0, 0, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A];

    private static ReadOnlySpan<byte> Jpeg2000Container => [0, 0, 0, 0x0C, (byte)'j', (byte)'P', (byte)' ', (byte)' '];

    private static ReadOnlySpan<byte> Jpeg2000Codestream => [0xFF, 0x4F, 0xFF, 0x51];

    private static ReadOnlySpan<byte> OpenExr => [0x76, 0x2F, 0x31, 0x01];

    private static ReadOnlySpan<byte> WindowsIcon => [0x00, 0x00, 0x01, 0x00];

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>The format's name, or null when the bytes match nothing known.</summary>
    public static string? Identify(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("%PDF-"u8))
        {
            return "PDF document";
        }

        if (data.Length >= 12 && data.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return IsoMediaBrand(data.Slice(8, 4));
        }

        if (data.StartsWith(JpegXlCodestream) || data.StartsWith(JpegXlContainer))
        {
            return "JPEG XL";
        }

        if (data.StartsWith(Jpeg2000Container) || data.StartsWith(Jpeg2000Codestream))
        {
            return "JPEG 2000";
        }

        if (data.StartsWith("8BPS"u8))
        {
            return "Photoshop PSD";
        }

        if (data.StartsWith("qoif"u8))
        {
            return "QOI";
        }

        if (data.StartsWith("DDS "u8))
        {
            return "DirectDraw Surface";
        }

        if (data.StartsWith("#?RADIANCE"u8) || data.StartsWith("#?RGBE"u8))
        {
            return "Radiance HDR";
        }

        if (data.StartsWith(OpenExr))
        {
            return "OpenEXR";
        }

        if (data.StartsWith(WindowsIcon) && data.Length > 6 && data[4] != 0)
        {
            return "Windows icon (ICO)";
        }

        if (data.Length >= 3 && data[0] == (byte)'P' && data[1] is >= (byte)'1' and <= (byte)'7'
            && data[2] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            return "Netpbm (PBM/PGM/PPM)";
        }

        if (data.StartsWith("RIFF"u8))
        {
            return "RIFF container (not WebP)";
        }

        return LooksLikeSvg(data) ? "SVG (vector graphics)" : null;
    }

    private static string IsoMediaBrand(ReadOnlySpan<byte> brand)
    {
        string name = Encoding.ASCII.GetString(brand);
        return name switch
        {
            "heic" or "heix" or "hevc" or "hevx" or "heim" or "heis" or "mif1" or "msf1" => "HEIF/HEIC",
            "avif" or "avis" => "AVIF",
            "crx " => "Canon CR3 raw",
            _ => $"ISO media file (brand '{name.TrimEnd()}')",
        };
    }

    private static bool LooksLikeSvg(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> head = data[..Math.Min(data.Length, 4096)];
        if (head.StartsWith(Utf8ByteOrderMark))
        {
            head = head[3..]; // UTF-8 byte order mark
        }

        head = head.TrimStart(" \t\r\n"u8);
        return (head.StartsWith("<svg"u8) || head.StartsWith("<?xml"u8) || head.StartsWith("<!DOCTYPE svg"u8))
            && head.IndexOf("<svg"u8) >= 0;
    }
}
