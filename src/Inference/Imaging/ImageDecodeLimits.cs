namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Bounds that turn hostile or absurd inputs (decompression bombs, giant scans) into a decode failure
/// instead of an out-of-memory. Dimensions are read from the header and checked before any pixel is decoded.
/// </summary>
public sealed record ImageDecodeLimits
{
    /// <summary>
    /// Largest width × height accepted. The default, 89,478,485, is Pillow's <c>MAX_IMAGE_PIXELS</c>
    /// (the size at which Pillow starts warning about decompression bombs): about 270 MB of RGB per image,
    /// which is as much as a many-threaded decoder should hold per thread.
    /// </summary>
    public long MaxPixels { get; init; } = 89_478_485;

    /// <summary>Largest width or height accepted; 30,000 covers panoramas and rejects forged headers.</summary>
    public int MaxDimension { get; init; } = 30_000;

    /// <summary>Largest encoded (file) size accepted: 64 MiB, several times any sane photo.</summary>
    public long MaxEncodedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The defaults above.</summary>
    public static ImageDecodeLimits Default { get; } = new();

    /// <summary>Throws when a limit is not positive or the pixel limit cannot be held in one RGB buffer.</summary>
    public void Validate()
    {
        if (MaxPixels <= 0 || MaxPixels > int.MaxValue / 4)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels,
                $"MaxPixels must be between 1 and {int.MaxValue / 4} (one RGB buffer must fit in an array).");
        }

        if (MaxDimension <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDimension), MaxDimension, "MaxDimension must be positive.");
        }

        if (MaxEncodedBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEncodedBytes), MaxEncodedBytes, "MaxEncodedBytes must be positive.");
        }
    }
}
