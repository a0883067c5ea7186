using System.Buffers;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Hugging Face <c>ViTImageProcessor</c> for one image: decode, <c>convert("RGB")</c>, resize straight to the
/// checkpoint's height × width with Pillow's antialiased bilinear filter (aspect ratio not kept, no crop),
/// rescale, normalize per channel, and write planar CHW float32. Thread-safe; scratch buffers are pooled or kept per
/// thread.
/// </summary>
/// <remarks>
/// Where 256-bit vectors are hardware-accelerated the resize and normalize run fused
/// (<see cref="Vector256ResizeNormalize"/>); elsewhere <see cref="PilResize"/> and a value table do, with the same
/// floats as the result.
/// </remarks>
public sealed class ImagePreprocessor
{
    private const int Channels = 3;

    private readonly PixelNormalization _normalization;

    /// <summary>
    /// The float for every (channel, byte value) pair, for the path without vectors: the output depends only on those
    /// two, so a table gives exactly Hugging Face's numbers without per-pixel arithmetic.
    /// </summary>
    private readonly float[] _valueTable;

    private readonly bool _vectorResize;

    private readonly ImageDecoder _decoder;
    private readonly ModeImageDecoder _modeDecoder;

    /// <param name="config">The checkpoint's preprocessor_config.json.</param>
    /// <param name="limits">Decode limits; <see cref="ImageDecodeLimits.Default"/> when null.</param>
    /// <param name="decodeMode">Which decoder JPEGs go through (docs/preprocessing.md compares them).</param>
    public ImagePreprocessor(PreprocessorConfig config, ImageDecodeLimits? limits = null, ImageDecodeMode decodeMode = DefaultDecodeMode)
        : this(config, limits, decodeMode, vectorResize: true)
    {
    }

    /// <param name="config">The checkpoint's preprocessor_config.json.</param>
    /// <param name="limits">Decode limits; <see cref="ImageDecodeLimits.Default"/> when null.</param>
    /// <param name="decodeMode">Which decoder JPEGs go through.</param>
    /// <param name="vectorResize">
    /// False resizes with <see cref="PilResize"/> and normalizes by table even where vectors are accelerated: the path
    /// machines without them take, so that it can be compared with the vector path on one machine.
    /// </param>
    internal ImagePreprocessor(PreprocessorConfig config, ImageDecodeLimits? limits, ImageDecodeMode decodeMode, bool vectorResize)
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate(config);
        Config = config;
        _decoder = new ImageDecoder(limits);
        _modeDecoder = new ModeImageDecoder(_decoder, decodeMode);
        _normalization = new PixelNormalization(config);
        _valueTable = _normalization.ValueTable();
        _vectorResize = vectorResize && Vector256ResizeNormalize.Supports(config.Width);
    }

    /// <summary>
    /// The mode a preprocessor decodes in unless told otherwise: libjpeg-turbo at full size gives Pillow's own pixels
    /// (so Hugging Face's model input, bit for bit) and is faster than ImageSharp; DCT scaling (LibjpegTurboDctScaled) is faster
    /// still but changes the input, so it is opt-in (see docs/preprocessing.md for the figures).
    /// </summary>
    public const ImageDecodeMode DefaultDecodeMode = ImageDecodeMode.LibjpegTurbo;

    public PreprocessorConfig Config { get; }

    public int Height => Config.Height;

    public int Width => Config.Width;

    /// <summary>Floats written per image: 3 × <see cref="Height"/> × <see cref="Width"/>.</summary>
    public int OutputLength => Channels * Config.Height * Config.Width;

    /// <summary>The decoder (and its limits) this preprocessor uses for everything libjpeg-turbo does not decode.</summary>
    public ImageDecoder Decoder => _decoder;

    /// <summary>Which decoder JPEGs go through.</summary>
    public ImageDecodeMode DecodeMode => _modeDecoder.Mode;

    /// <summary>Whether the fused vector resize runs (see the remarks); false on machines without 256-bit vectors.</summary>
    internal bool UsesVectorResize => _vectorResize;

    /// <summary>True when a libjpeg-turbo mode decodes with SkiaSharp's slower copy because libturbojpeg did not load.</summary>
    internal bool SystemLibjpegTurboMissing => _modeDecoder.SystemLibjpegTurboMissing;

    /// <summary>The library that decodes JPEGs in this mode, e.g. "system libjpeg-turbo (libturbojpeg.so.0)".</summary>
    public string JpegDecoderName => _modeDecoder.JpegDecoderName;

    /// <summary>
    /// Decodes <paramref name="encoded"/> and writes its model input to <paramref name="destinationChw"/>
    /// (<see cref="OutputLength"/> floats, channel-major). Returns the size of the original image.
    /// </summary>
    /// <exception cref="ImageDecodeException">The bytes are not a decodable image within the limits.</exception>
    public ImageDimensions Preprocess(ReadOnlySpan<byte> encoded, Span<float> destinationChw)
    {
        CheckDestination(destinationChw);
        using RgbImage image = _modeDecoder.Decode(encoded, new ImageDimensions(Config.Width, Config.Height), out ImageDimensions original);
        Preprocess(image, destinationChw);
        return original;
    }

    /// <summary>Writes the model input for already decoded pixels.</summary>
    public void Preprocess(RgbImage image, Span<float> destinationChw)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckDestination(destinationChw);
        int width = Config.Width, height = Config.Height;
        if (_vectorResize)
        {
            Vector256ResizeNormalize.Run(image.Pixels, image.Width, image.Height, width, height, _normalization, destinationChw);
            return;
        }

        if (image.Width == width && image.Height == height)
        {
            WritePlanes(image.Pixels, destinationChw);
            return;
        }

        int length = width * height * Channels;
        byte[] resized = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            PilResize.Resize(image.Pixels, image.Width, image.Height, resized.AsSpan(0, length), width, height);
            WritePlanes(resized.AsSpan(0, length), destinationChw);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(resized);
        }
    }

    private void CheckDestination(Span<float> destinationChw)
    {
        if (destinationChw.Length != OutputLength)
        {
            throw new ArgumentException(
                $"destination holds {destinationChw.Length} floats; 3×{Config.Height}×{Config.Width} = {OutputLength} are written",
                nameof(destinationChw));
        }
    }

    private void WritePlanes(ReadOnlySpan<byte> interleaved, Span<float> destination)
    {
        int planeSize = interleaved.Length / Channels;
        ReadOnlySpan<float> table = _valueTable;
        ReadOnlySpan<float> red = table[..256], green = table[256..512], blue = table[512..];
        Span<float> redPlane = destination[..planeSize];
        Span<float> greenPlane = destination.Slice(planeSize, planeSize);
        Span<float> bluePlane = destination.Slice(2 * planeSize, planeSize);
        for (int i = 0; i < planeSize; i++)
        {
            redPlane[i] = red[interleaved[(i * 3) + 0]];
            greenPlane[i] = green[interleaved[(i * 3) + 1]];
            bluePlane[i] = blue[interleaved[(i * 3) + 2]];
        }
    }

    private static void Validate(PreprocessorConfig config)
    {
        if (!config.DoResize)
        {
            throw new NotSupportedException(
                "preprocessor_config.json: do_resize=false is not supported; the model needs a fixed input size");
        }

        if (config.Resample != 2)
        {
            throw new NotSupportedException(
                $"preprocessor_config.json: resample={config.Resample} is not supported; only 2 (PIL BILINEAR) is implemented");
        }

        if (config.Height <= 0 || config.Width <= 0)
        {
            throw new ArgumentException(
                $"preprocessor_config.json: size {config.Height}×{config.Width} is not positive", nameof(config));
        }

        if (config.ImageMean.Count != Channels || config.ImageStd.Count != Channels)
        {
            throw new ArgumentException(
                $"preprocessor_config.json: image_mean and image_std need 3 values, got {config.ImageMean.Count} and {config.ImageStd.Count}",
                nameof(config));
        }

        if (config.DoNormalize && config.ImageStd.Any(std => std == 0f))
        {
            throw new ArgumentException("preprocessor_config.json: image_std contains 0", nameof(config));
        }
    }
}
