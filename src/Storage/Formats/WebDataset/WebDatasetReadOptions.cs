namespace Mae.Cluster.Storage.Formats;

/// <summary>Limits and choices for reading WebDataset tar shards. Every limit bounds memory against hostile input.</summary>
public sealed record WebDatasetReadOptions
{
    /// <summary>The image extensions recognised by default (compared case-insensitively with a member's whole extension).</summary>
    public static IReadOnlyList<string> DefaultImageExtensions { get; } =
        ["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "jpe", "jfif"];

    /// <summary>Image members larger than this become failures and are skipped by streaming. Default 64 MiB.</summary>
    public long MaxImageBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>A longer caption (.txt) is cut to this many bytes, at a UTF-8 character boundary. Default 16 KiB.</summary>
    public int MaxCaptionBytes { get; init; } = 16 * 1024;

    /// <summary>Whether a sample's .json member is kept as raw text.</summary>
    public bool KeepJson { get; init; } = true;

    /// <summary>A .json member larger than this is dropped (not cut: cut JSON is not JSON). Default 64 KiB.</summary>
    public int MaxJsonBytes { get; init; } = 64 * 1024;

    /// <summary>Largest GNU long name or PAX extended header accepted; larger ones are a shard-level error. Default 64 KiB.</summary>
    public int MaxHeaderExtensionBytes { get; init; } = 64 * 1024;

    /// <summary>Samples whose key is longer (in characters) become failures. Default 1024.</summary>
    public int MaxKeyLength { get; init; } = 1024;

    /// <summary>Member extensions that mark the image of a sample.</summary>
    public IReadOnlyCollection<string> ImageExtensions { get; init; } = DefaultImageExtensions;

    /// <summary>Name of the shard (file name or URI) used at the start of shard-level error messages; may be null.</summary>
    public string? SourceName { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxImageBytes, 1, nameof(MaxImageBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxImageBytes, Array.MaxLength, nameof(MaxImageBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxCaptionBytes, nameof(MaxCaptionBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxJsonBytes, nameof(MaxJsonBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHeaderExtensionBytes, 512, nameof(MaxHeaderExtensionBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxKeyLength, 1, nameof(MaxKeyLength));
        ArgumentNullException.ThrowIfNull(ImageExtensions, nameof(ImageExtensions));
        if (ImageExtensions.Count == 0)
        {
            throw new ArgumentException("At least one image extension is needed.", nameof(ImageExtensions));
        }
    }
}
