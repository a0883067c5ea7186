namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// One sample of a WebDataset shard: consecutive tar members sharing a key. A sample whose image cannot be used
/// still appears, with <see cref="Error"/> set and no bytes, so it becomes a per-image failure record.
/// </summary>
public sealed record WebDatasetSample
{
    /// <summary>
    /// The key ("dir/name" of "dir/name.jpg"), normalised and safe to use as a relative path: no "..", no
    /// backslash, no control characters, no leading '/'. For an unsafe name the dangerous parts are percent-escaped.
    /// </summary>
    public required string Key { get; init; }

    /// <summary>The image member's path in the tar (control characters written as \xNN), or null when the sample has none.</summary>
    public string? ImageMemberName { get; init; }

    /// <summary>The image file's bytes; null when <see cref="Error"/> is set.</summary>
    public byte[]? ImageBytes { get; init; }

    /// <summary>The .txt member decoded as UTF-8 (cut to the configured length); null if absent or the sample failed.</summary>
    public string? Caption { get; init; }

    /// <summary>The .json member's raw text if kept and small enough; null otherwise or if the sample failed.</summary>
    public string? Json { get; init; }

    /// <summary>Why the sample cannot be used, in words; null for a good sample.</summary>
    public string? Error { get; init; }

    /// <summary>The kind of <see cref="Error"/>.</summary>
    public WebDatasetSampleErrorKind ErrorKind { get; init; }

    /// <summary>True when the sample has usable image bytes.</summary>
    public bool Succeeded => Error is null;
}
