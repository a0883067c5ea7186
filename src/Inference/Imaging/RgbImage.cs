using System.Buffers;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// An 8-bit RGB image, pixels interleaved R,G,B row by row with no padding. The pixel buffer is rented from
/// <see cref="ArrayPool{T}.Shared"/>: dispose the image to give it back (an undisposed image is merely
/// collected). Not safe to use from several threads while it is being disposed.
/// </summary>
public sealed class RgbImage : IDisposable
{
    private byte[]? _buffer;

    private RgbImage(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}×{height} is not positive");
        }

        if ((long)width * height * 3 > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}×{height} is too large for one buffer");
        }

        Width = width;
        Height = height;
        _buffer = ArrayPool<byte>.Shared.Rent(width * height * 3);
    }

    public int Width { get; }

    public int Height { get; }

    public ImageDimensions Dimensions => new(Width, Height);

    /// <summary>Width × Height × 3 bytes.</summary>
    public ReadOnlySpan<byte> Pixels => Buffer.AsSpan(0, Width * Height * 3);

    internal Span<byte> WritablePixels => Buffer.AsSpan(0, Width * Height * 3);

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(RgbImage));

    /// <summary>Copies interleaved RGB pixels into a new image.</summary>
    public static RgbImage FromPixels(int width, int height, ReadOnlySpan<byte> rgb)
    {
        var image = new RgbImage(width, height);
        if (rgb.Length != image.Pixels.Length)
        {
            image.Dispose();
            throw new ArgumentException(
                $"{width}×{height} RGB needs {(long)width * height * 3} bytes, got {rgb.Length}", nameof(rgb));
        }

        rgb.CopyTo(image.WritablePixels);
        return image;
    }

    /// <summary>An image whose pixels the caller fills in through <see cref="WritablePixels"/>.</summary>
    internal static RgbImage Allocate(int width, int height) => new(width, height);

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
