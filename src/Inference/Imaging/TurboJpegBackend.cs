using System.Runtime.InteropServices;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// The system's libjpeg-turbo through its TurboJPEG API (Debian/Ubuntu package libturbojpeg0, the library tjbench
/// measures): SIMD IDCT, colour conversion and upsampling, about twice as fast as the copy inside SkiaSharp. Used
/// when it loads; the defaults it is called with (accurate integer IDCT, fancy upsampling) are Pillow's and Skia's,
/// so the pixels are the same whichever library decodes.
/// </summary>
/// <remarks>
/// Only the 2.x API (present in 2.0 and later, kept by 3.x) is used. Each call creates and destroys its own
/// decompressor, so instances are thread-safe; the functions are resolved once per instance, not in static state.
/// CMYK/YCCK JPEGs are left to <see cref="SkiaJpegBackend"/>: TurboJPEG cannot convert them to RGB.
/// </remarks>
internal sealed unsafe class TurboJpegBackend
{
    private const int PixelFormatRgb = 0;       // TJPF_RGB
    private const int ColorspaceCmyk = 3;       // TJCS_CMYK
    private const int ColorspaceYcck = 4;       // TJCS_YCCK

    /// <summary>
    /// Below this width TurboJPEG, which takes the largest M/8 scale fitting the requested size, could pick an M/8
    /// other than the 1/d asked for (the sizes round alike); Skia always takes 1/d.
    /// </summary>
    private const int SmallestScaledWidth = 8;

    // Sonames of the TurboJPEG library on Linux and macOS; `unsigned long` is 64-bit on both (LP64).
    private static readonly string[] LibraryNames = ["libturbojpeg.so.0", "libturbojpeg.so", "libturbojpeg.0.dylib", "libturbojpeg.dylib"];

    private readonly delegate* unmanaged<nint> _initDecompress;
    private readonly delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int> _decompressHeader3;
    private readonly delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int> _decompress2;
    private readonly delegate* unmanaged<nint, int> _destroy;

    private TurboJpegBackend(nint library, string name)
    {
        Name = name;
        _initDecompress = (delegate* unmanaged<nint>)NativeLibrary.GetExport(library, "tjInitDecompress");
        _decompressHeader3 = (delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int>)NativeLibrary.GetExport(library, "tjDecompressHeader3");
        _decompress2 = (delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int>)NativeLibrary.GetExport(library, "tjDecompress2");
        _destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "tjDestroy");
    }

    public string Name { get; }

    /// <summary>The system library, or null where none loads (then SkiaSharp's copy decodes).</summary>
    public static TurboJpegBackend? TryLoad()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }

        foreach (string name in LibraryNames)
        {
            if (NativeLibrary.TryLoad(name, out nint library))
            {
                try
                {
                    return new TurboJpegBackend(library, "system libjpeg-turbo (" + name + ")");
                }
                catch (EntryPointNotFoundException)
                {
                    NativeLibrary.Free(library); // older than TurboJPEG 1.4: no tjDecompressHeader3
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Decodes at the size <see cref="JpegDctScaling"/> picks for <paramref name="scaleTarget"/> (full size when
    /// null); null when the header is beyond <paramref name="limits"/>, the JPEG is CMYK/YCCK, or TurboJPEG reports
    /// any error or warning.
    /// </summary>
    public RgbImage? TryDecode(ReadOnlySpan<byte> encoded, ImageDecodeLimits limits, ImageDimensions? scaleTarget, out ImageDimensions original)
    {
        original = default;
        nint handle = _initDecompress();
        if (handle == 0)
        {
            return null;
        }

        try
        {
            fixed (byte* source = encoded)
            {
                int width, height, subsampling, colorspace;
                if (_decompressHeader3(handle, source, (nuint)encoded.Length, &width, &height, &subsampling, &colorspace) != 0)
                {
                    return null;
                }

                original = new ImageDimensions(width, height);
                if (!limits.Allows(original) || colorspace is ColorspaceCmyk or ColorspaceYcck)
                {
                    return null;
                }

                ImageDimensions size = original;
                if (scaleTarget is { } target && JpegDctScaling.Denominator(original, target.Width, target.Height) is > 1 and var denominator)
                {
                    if (original.Width < SmallestScaledWidth)
                    {
                        return null;
                    }

                    size = JpegDctScaling.Scaled(original, denominator);
                }

                var image = RgbImage.Allocate(size.Width, size.Height);
                int result;
                fixed (byte* destination = image.WritablePixels)
                {
                    // Flags 0: accurate integer IDCT and fancy upsampling, top-down rows; a warning also returns −1.
                    result = _decompress2(handle, source, (nuint)encoded.Length, destination, size.Width, size.Width * 3, size.Height, PixelFormatRgb, 0);
                }

                if (result != 0)
                {
                    image.Dispose();
                    return null;
                }

                return image;
            }
        }
        finally
        {
            _ = _destroy(handle);
        }
    }
}
