using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Decodes untrusted JPEG, PNG, GIF (first frame), BMP, TIFF (first page) and WebP bytes to 8-bit RGB the way
/// Pillow's <c>Image.open(f).convert("RGB")</c> does: alpha is dropped without compositing, grayscale is
/// replicated, palettes are looked up, EXIF orientation and ICC profiles are ignored. Dimensions are read from
/// the header and checked against <see cref="ImageDecodeLimits"/> before any pixel is decoded; truncated data
/// is refused rather than padded. Every failure is an <see cref="ImageDecodeException"/> with a reason.
/// </summary>
/// <remarks>
/// <para>16-bit PNGs keep the high byte of each sample (v &gt;&gt; 8). That is exactly what Pillow does for
/// 16-bit RGB, RGBA and gray+alpha PNGs; for 16-bit grayscale Pillow instead clips the 0..65535 value to
/// 0..255 (nearly every pixel turns white), a known Pillow quirk not worth copying, so here gray gets the high
/// byte too.</para>
/// <para>CMYK and YCCK JPEGs are converted by ImageSharp as R = (255 − C)(255 − K)/255 (likewise G with M, B
/// with Y), C and K being ink amounts after undoing Adobe's inverted storage: the same naive formula as
/// Pillow's <c>convert("RGB")</c>. Neither applies an ICC profile, so the two agree to within JPEG decoding
/// differences (measured: mean 0.01 levels, max 1).</para>
/// <para>Animated WebP is refused as an unsupported variant (ImageSharp 2.1 cannot read it; Pillow would take the
/// first frame).</para>
/// <para>Instances are thread-safe and meant to be shared; each owns an ImageSharp configuration and its
/// memory pool.</para>
/// </remarks>
public sealed class ImageDecoder
{
    private const int Megabyte = 1024 * 1024;

    private readonly Configuration _configuration;

    public ImageDecoder(ImageDecodeLimits? limits = null)
    {
        Limits = limits ?? ImageDecodeLimits.Default;
        Limits.Validate();
        _configuration = CreateConfiguration(Limits);
    }

    public ImageDecodeLimits Limits { get; }

    /// <summary>Decodes <paramref name="encoded"/> to RGB; dispose the result to return its buffer to the pool.</summary>
    /// <exception cref="ImageDecodeException">The bytes are not a decodable image within the limits.</exception>
    public unsafe RgbImage Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Empty, "empty file (0 bytes)");
        }

        if (encoded.Length > Limits.MaxEncodedBytes)
        {
            throw new ImageDecodeException(ImageDecodeFailure.TooLarge, Invariant(
                $"file of {encoded.Length:N0} bytes exceeds the {Limits.MaxEncodedBytes:N0}-byte limit"));
        }

        IImageFormat format = Image.DetectFormat(_configuration, encoded) ?? throw Unrecognised(encoded);
        string formatName = format.Name.ToUpperInvariant();
        fixed (byte* start = encoded)
        {
            using var stream = new UnmanagedMemoryStream(start, encoded.Length);
            try
            {
                EncodedImageCompleteness.EnsureComplete(formatName, encoded);

                // Identify reads headers only, so the limits are enforced before any pixel buffer exists.
                IImageInfo info = Image.Identify(_configuration, stream, out _) ?? throw Unrecognised(encoded);
                CheckLimits(info.Width, info.Height);
                stream.Position = 0;
                return formatName == "PNG" && Is16BitPng(info) ? DecodeHighBytes(stream) : DecodeRgb24(stream);
            }
            catch (Exception exception) when (exception is not (ImageDecodeException or OutOfMemoryException))
            {
                throw Translate(exception, formatName);
            }
        }
    }

    private static Configuration CreateConfiguration(ImageDecodeLimits limits)
    {
        // A fresh configuration with only the formats we accept; TGA in particular has no signature and would
        // claim random bytes.
        var configuration = new Configuration(
            new JpegConfigurationModule(),
            new PngConfigurationModule(),
            new GifConfigurationModule(),
            new BmpConfigurationModule(),
            new TiffConfigurationModule(),
            new WebpConfigurationModule())
        {
            // Images are decoded on many threads at once; ImageSharp's own parallelism would oversubscribe.
            MaxDegreeOfParallelism = 1,
            ReadOrigin = ReadOrigin.Begin,
            // A backstop behind the header checks: no single buffer larger than a 16-bit RGBA image at the pixel
            // limit (the widest pixel type decoded here), plus slack for decoder working buffers.
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = (int)Math.Min(int.MaxValue, (limits.MaxPixels * 8 / Megabyte) + 64),
            }),
        };

        // Pillow hands the first frame to convert("RGB"); decoding the rest would only cost memory.
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }

    private void CheckLimits(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, Invariant($"image header says {width}×{height}"));
        }

        if (width > Limits.MaxDimension || height > Limits.MaxDimension)
        {
            throw new ImageDecodeException(ImageDecodeFailure.TooLarge, Invariant(
                $"image {width}×{height} exceeds the {Limits.MaxDimension}-pixel dimension limit"));
        }

        long pixels = (long)width * height;
        if (pixels > Limits.MaxPixels)
        {
            throw new ImageDecodeException(ImageDecodeFailure.TooLarge, Invariant(
                $"image {width}×{height} has {pixels:N0} pixels, over the {Limits.MaxPixels:N0}-pixel limit"));
        }
    }

    private static bool Is16BitPng(IImageInfo info) =>
        info.Metadata.GetPngMetadata() is { BitDepth: PngBitDepth.Bit16 };

    private RgbImage DecodeRgb24(Stream stream)
    {
        using var image = Image.Load<Rgb24>(_configuration, stream);
        var result = RgbImage.Allocate(image.Width, image.Height);
        image.CopyPixelDataTo(result.WritablePixels);
        return result;
    }

    /// <summary>
    /// ImageSharp would round 16-bit samples to 8 bits (v·255/65535); Pillow keeps the high byte, so the image is
    /// decoded at full depth and the high bytes are taken here.
    /// </summary>
    private RgbImage DecodeHighBytes(Stream stream)
    {
        using var image = Image.Load<Rgba64>(_configuration, stream);
        var result = RgbImage.Allocate(image.Width, image.Height);
        image.ProcessPixelRows(accessor =>
        {
            Span<byte> pixels = result.WritablePixels;
            for (int y = 0; y < accessor.Height; y++)
            {
                Span<Rgba64> row = accessor.GetRowSpan(y);
                Span<byte> destination = pixels.Slice(y * row.Length * 3, row.Length * 3);
                for (int x = 0; x < row.Length; x++)
                {
                    destination[(x * 3) + 0] = (byte)(row[x].R >> 8);
                    destination[(x * 3) + 1] = (byte)(row[x].G >> 8);
                    destination[(x * 3) + 2] = (byte)(row[x].B >> 8);
                }
            }
        });
        return result;
    }

    private static ImageDecodeException Unrecognised(ReadOnlySpan<byte> encoded) =>
        UnsupportedFormatNames.Identify(encoded) is { } name
            ? new ImageDecodeException(ImageDecodeFailure.UnsupportedFormat, $"unsupported format: {name}")
            : new ImageDecodeException(ImageDecodeFailure.NotAnImage, "not an image (unrecognised format)");

    private static ImageDecodeException Translate(Exception exception, string formatName) => exception switch
    {
        InvalidMemoryOperationException => new(ImageDecodeFailure.TooLarge,
            $"{formatName} needs more memory than the decode limits allow: {exception.Message}", exception),
        UnknownImageFormatException => new(ImageDecodeFailure.NotAnImage,
            "not an image (unrecognised format)", exception),
        NotSupportedException => new(ImageDecodeFailure.UnsupportedFormat,
            $"unsupported {formatName} variant: {exception.Message}", exception),
        EndOfStreamException => new(ImageDecodeFailure.Truncated,
            $"truncated {formatName}: {exception.Message}", exception),
        InvalidImageContentException or ImageFormatException => new(ImageDecodeFailure.Corrupt,
            $"corrupt {formatName}: {exception.Message}", exception),
        _ => new(ImageDecodeFailure.Corrupt,
            $"corrupt {formatName}: decoder failed with {exception.GetType().Name}: {exception.Message}", exception),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
