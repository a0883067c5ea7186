namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Decodes JPEGs with libjpeg-turbo — the system library where it loads (<see cref="TurboJpegBackend"/>), else the
/// copy inside SkiaSharp (<see cref="SkiaJpegBackend"/>) — at full size or scaled by 1/2, 1/4 or 1/8 in the DCT
/// domain. Both run libjpeg-turbo with Pillow's settings, so the pixels are Pillow's (measured: identical bytes to
/// Pillow 9.4 for baseline, progressive, 4:4:4/4:2:2/4:2:0, grayscale, CMYK and ICC-tagged JPEGs, and to Pillow's
/// <c>draft()</c> at reduced scales); only the speed depends on which library is present.
/// </summary>
/// <remarks>
/// Everything neither library finishes — a truncated file (found by the same walk as in <see cref="ImageDecoder"/>),
/// a file over a limit (checked from the header before any pixel buffer exists), a variant or a corruption
/// libjpeg-turbo refuses or warns about — returns <see langword="null"/>, so that <see cref="ImageDecoder"/> decodes
/// it or names the failure in the same words as <see cref="ImageDecodeMode.ImageSharp"/>. Thread-safe.
/// </remarks>
internal sealed class LibjpegTurboDecoder
{
    private readonly ImageDecodeLimits _limits;
    private readonly TurboJpegBackend? _system;
    private readonly SkiaJpegBackend _skia;

    /// <param name="limits">The limits to check headers against.</param>
    /// <param name="useSystemLibrary">False to decode with SkiaSharp's copy even where the system library loads.</param>
    public LibjpegTurboDecoder(ImageDecodeLimits limits, bool useSystemLibrary = true)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
        _system = useSystemLibrary ? TurboJpegBackend.TryLoad() : null;
        _skia = new SkiaJpegBackend();
        SystemLibraryMissing = useSystemLibrary && _system is null;
    }

    /// <summary>True when the system library was asked for and did not load.</summary>
    public bool SystemLibraryMissing { get; }

    /// <summary>Which libjpeg-turbo decodes JPEGs (CMYK/YCCK ones always go to SkiaSharp's).</summary>
    public string LibraryName => _system?.Name ?? SkiaJpegBackend.Name;

    /// <summary>A JPEG starts with the start-of-image marker followed by another marker.</summary>
    public static bool IsJpeg(ReadOnlySpan<byte> encoded) =>
        encoded.Length >= 3 && encoded[0] == 0xFF && encoded[1] == 0xD8 && encoded[2] == 0xFF;

    /// <summary>
    /// Decodes <paramref name="encoded"/>; with a <paramref name="scaleTarget"/>, at the DCT scale
    /// <see cref="JpegDctScaling"/> picks for it. Returns <see langword="null"/> when <see cref="ImageDecoder"/>
    /// should take the file instead; <paramref name="original"/> is the size the header declares.
    /// </summary>
    public RgbImage? TryDecode(ReadOnlySpan<byte> encoded, ImageDimensions? scaleTarget, out ImageDimensions original)
    {
        original = default;
        if (!IsJpeg(encoded) || encoded.Length > _limits.MaxEncodedBytes || !IsComplete(encoded))
        {
            return null;
        }

        return _system?.TryDecode(encoded, _limits, scaleTarget, out original)
            ?? _skia.TryDecode(encoded, _limits, scaleTarget, out original);
    }

    /// <summary>
    /// libjpeg-turbo pads a truncated JPEG and reports a warning at most; the walk refuses it first. The refusal
    /// itself is left to <see cref="ImageDecoder"/>, which makes the same walk after its own format detection, so
    /// that the reason is the exact path's in every case.
    /// </summary>
    private static bool IsComplete(ReadOnlySpan<byte> encoded)
    {
        try
        {
            EncodedImageCompleteness.EnsureComplete("JPEG", encoded);
            return true;
        }
        catch (ImageDecodeException)
        {
            return false;
        }
    }
}
