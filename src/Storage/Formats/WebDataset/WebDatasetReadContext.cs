namespace Mae.Cluster.Storage.Formats;

/// <summary>What stays the same while one shard is read: the options, the image extensions and the keys seen so far.</summary>
internal sealed class WebDatasetReadContext(WebDatasetReadOptions options)
{
    private readonly HashSet<string> _imageExtensions = new(options.ImageExtensions, StringComparer.OrdinalIgnoreCase);

    public WebDatasetReadOptions Options { get; } = options;

    /// <summary>Sanitised keys of the samples started so far; its size grows with the shard's sample count only.</summary>
    public HashSet<string> SeenKeys { get; } = new(StringComparer.Ordinal);

    public bool IsImageExtension(string extension) => _imageExtensions.Contains(extension);
}
