using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>Turns the 4-byte and 1-byte pixels native decoders write into the interleaved RGB the resize reads.</summary>
internal static class PixelRepacking
{
    /// <summary>Drops every fourth byte: R,G,B,X → R,G,B.</summary>
    public static void RgbxToRgb(ReadOnlySpan<byte> rgbx, Span<byte> rgb)
    {
        int pixels = rgb.Length / 3;
        if (rgbx.Length < pixels * 4)
        {
            throw new ArgumentException($"{pixels} pixels need {pixels * 4} source bytes, got {rgbx.Length}", nameof(rgbx));
        }

        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            // Four pixels per shuffle; the store writes 16 bytes of which 12 are kept, so stop while 16 still fit.
            Vector128<byte> keepRgb = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0xFF, 0xFF, 0xFF, 0xFF);
            ref byte source = ref MemoryMarshal.GetReference(rgbx);
            ref byte destination = ref MemoryMarshal.GetReference(rgb);
            for (; (i * 3) + 16 <= rgb.Length; i += 4)
            {
                Vector128.Shuffle(Vector128.LoadUnsafe(ref source, (nuint)(i * 4)), keepRgb)
                    .StoreUnsafe(ref destination, (nuint)(i * 3));
            }
        }

        for (; i < pixels; i++)
        {
            rgb[(i * 3) + 0] = rgbx[(i * 4) + 0];
            rgb[(i * 3) + 1] = rgbx[(i * 4) + 1];
            rgb[(i * 3) + 2] = rgbx[(i * 4) + 2];
        }
    }

    /// <summary>Replicates each gray value into R, G and B, as Pillow's <c>convert("RGB")</c> does for mode L.</summary>
    public static void GrayToRgb(ReadOnlySpan<byte> gray, Span<byte> rgb)
    {
        int pixels = rgb.Length / 3;
        if (gray.Length < pixels)
        {
            throw new ArgumentException($"{pixels} pixels need {pixels} source bytes, got {gray.Length}", nameof(gray));
        }

        for (int i = 0; i < pixels; i++)
        {
            byte value = gray[i];
            rgb[(i * 3) + 0] = value;
            rgb[(i * 3) + 1] = value;
            rgb[(i * 3) + 2] = value;
        }
    }
}
