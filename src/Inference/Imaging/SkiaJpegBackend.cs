using System.Buffers;
using SkiaSharp;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// The libjpeg-turbo built into SkiaSharp's native library (NuGet SkiaSharp.NativeAssets.*): present wherever the
/// package is, and the only libjpeg-turbo path that converts CMYK/YCCK JPEGs (as Pillow does), but compiled without
/// SIMD on x64, so slower than the system library. Skia leaves libjpeg-turbo at its defaults — the accurate integer
/// IDCT and "fancy" (triangle) chroma upsampling, Pillow's settings too — and applies no colour profile to a
/// destination without a colour space; EXIF orientation is not applied.
/// </summary>
internal sealed class SkiaJpegBackend
{
    public SkiaJpegBackend() => EnsureNativeLibraryLoads();

    public static string Name => $"SkiaSharp's libjpeg-turbo (libSkiaSharp {SkiaSharpVersion.Native})";

    /// <summary>
    /// Decodes at the size <see cref="JpegDctScaling"/> picks for <paramref name="scaleTarget"/> (full size when
    /// null); null when the header is beyond <paramref name="limits"/> or libjpeg-turbo does not finish.
    /// </summary>
    public unsafe RgbImage? TryDecode(ReadOnlySpan<byte> encoded, ImageDecodeLimits limits, ImageDimensions? scaleTarget, out ImageDimensions original)
    {
        original = default;
        fixed (byte* start = encoded)
        {
            // Wraps the caller's bytes without copying; both objects are disposed before the span is unpinned.
            using var data = SKData.Create((IntPtr)start, encoded.Length);
            using var codec = SKCodec.Create(data);
            if (codec is null || codec.EncodedFormat != SKEncodedImageFormat.Jpeg)
            {
                return null;
            }

            SKImageInfo header = codec.Info;
            original = new ImageDimensions(header.Width, header.Height);
            if (!limits.Allows(original))
            {
                return null;
            }

            ImageDimensions size = DecodedSize(codec, original, scaleTarget);
            return header.ColorType == SKColorType.Gray8
                ? Decode(codec, size, SKColorType.Gray8, bytesPerPixel: 1)
                : Decode(codec, size, SKColorType.Rgba8888, bytesPerPixel: 4);
        }
    }

    private static ImageDimensions DecodedSize(SKCodec codec, ImageDimensions original, ImageDimensions? scaleTarget)
    {
        if (scaleTarget is not { } target)
        {
            return original;
        }

        int denominator = JpegDctScaling.Denominator(original, target.Width, target.Height);
        if (denominator == 1)
        {
            return original;
        }

        // Skia derives the size from libjpeg-turbo itself; a disagreement would mean another rounding rule, and the
        // full size is always right.
        ImageDimensions expected = JpegDctScaling.Scaled(original, denominator);
        SKSizeI scaled = codec.GetScaledDimensions(1f / denominator);
        return scaled.Width == expected.Width && scaled.Height == expected.Height ? expected : original;
    }

    private static unsafe RgbImage? Decode(SKCodec codec, ImageDimensions size, SKColorType colorType, int bytesPerPixel)
    {
        // No colour space on the destination: Skia then applies no ICC profile, as Pillow's convert("RGB") does not.
        var info = new SKImageInfo(size.Width, size.Height, colorType, SKAlphaType.Opaque);
        int length = checked(size.Width * size.Height * bytesPerPixel);
        byte[] decoded = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            SKCodecResult result;
            fixed (byte* pixels = decoded)
            {
                result = codec.GetPixels(info, (IntPtr)pixels);
            }

            if (result != SKCodecResult.Success)
            {
                return null;
            }

            var image = RgbImage.Allocate(size.Width, size.Height);
            ReadOnlySpan<byte> source = decoded.AsSpan(0, length);
            if (bytesPerPixel == 1)
            {
                PixelRepacking.GrayToRgb(source, image.WritablePixels);
            }
            else
            {
                PixelRepacking.RgbxToRgb(source, image.WritablePixels);
            }

            return image;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(decoded);
        }
    }

    /// <summary>Fails at construction, with the remedy, rather than on the first image.</summary>
    private static void EnsureNativeLibraryLoads()
    {
        try
        {
            _ = SkiaSharpVersion.Native;
        }
        catch (Exception exception) when (exception is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new InvalidOperationException(
                "The libjpeg-turbo JPEG decoder needs SkiaSharp's native library (libSkiaSharp, from the package " +
                "SkiaSharp.NativeAssets.Linux.NoDependencies on Linux), which did not load: " + exception.Message +
                $" Use {nameof(ImageDecodeMode)}.{nameof(ImageDecodeMode.ImageSharp)} to decode with managed code only.",
                exception);
        }
    }
}
