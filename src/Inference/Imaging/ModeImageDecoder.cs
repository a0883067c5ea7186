namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// The decoder <see cref="ImagePreprocessor"/> runs: JPEGs through libjpeg-turbo in the non-exact modes, anything
/// else (and any JPEG libjpeg-turbo leaves alone) through <see cref="ImageDecoder"/>. Thread-safe.
/// </summary>
public sealed class ModeImageDecoder
{
    private readonly ImageDecoder _decoder;
    private readonly LibjpegTurboDecoder? _jpegDecoder;

    /// <param name="decoder">The decoder for everything libjpeg-turbo does not take.</param>
    /// <param name="mode">Which decoder JPEGs go through.</param>
    /// <param name="useSystemLibjpegTurbo">
    /// Whether the system's libturbojpeg is used where it loads (the default: it is the faster build); false always uses
    /// SkiaSharp's bundled copy, the one every machine has, when the same library everywhere matters more than speed.
    /// </param>
    public ModeImageDecoder(ImageDecoder decoder, ImageDecodeMode mode, bool useSystemLibjpegTurbo = true)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown image decode mode");
        }

        _decoder = decoder;
        Mode = mode;
        _jpegDecoder = mode == ImageDecodeMode.ImageSharp ? null : new LibjpegTurboDecoder(decoder.Limits, useSystemLibjpegTurbo);
    }

    public ImageDecodeMode Mode { get; }

    /// <summary>Which library decodes JPEGs: ImageSharp, or which libjpeg-turbo.</summary>
    public string JpegDecoderName => _jpegDecoder?.LibraryName ?? "ImageSharp";

    /// <summary>True when the system libjpeg-turbo was wanted and did not load, so SkiaSharp's copy decodes.</summary>
    internal bool SystemLibjpegTurboMissing => _jpegDecoder?.SystemLibraryMissing ?? false;

    /// <summary>
    /// Decodes <paramref name="encoded"/> for a resize to <paramref name="target"/>: in
    /// <see cref="ImageDecodeMode.LibjpegTurboDctScaled"/> a JPEG may come back smaller than <paramref name="original"/>, never
    /// smaller than the target.
    /// </summary>
    /// <exception cref="ImageDecodeException">The bytes are not a decodable image within the limits.</exception>
    public RgbImage Decode(ReadOnlySpan<byte> encoded, ImageDimensions target, out ImageDimensions original)
    {
        if (_jpegDecoder is not null && LibjpegTurboDecoder.IsJpeg(encoded))
        {
            ImageDimensions? scaleTarget = Mode == ImageDecodeMode.LibjpegTurboDctScaled ? target : null;
            if (_jpegDecoder.TryDecode(encoded, scaleTarget, out original) is { } jpeg)
            {
                return jpeg;
            }
        }

        RgbImage image = _decoder.Decode(encoded);
        original = image.Dimensions;
        return image;
    }
}
