namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Groups a folder's (or prefix's) image files into shards with stable indices: the paths are sorted by ordinal
/// comparison and shard i holds paths [i·size, (i+1)·size), so the same listing always yields the same shards.
/// </summary>
public static class LooseImageSharding
{
    /// <summary>Splits <paramref name="sortedPaths"/> into shards of <paramref name="shardSize"/> (the last may be smaller).</summary>
    /// <param name="sortedPaths">Paths relative to the input prefix, '/'-separated, strictly increasing in ordinal order.</param>
    /// <param name="shardSize">Images per shard, at least 1.</param>
    /// <returns>
    /// The shards. An image whose path is unsafe (a ".." segment, a backslash, a control character) or whose key
    /// was already taken by an earlier path ("x.jpg" and "x.png" share key "x") carries an error instead of being dropped.
    /// </returns>
    /// <exception cref="ArgumentException">The paths are not strictly increasing, or one is empty.</exception>
    public static IReadOnlyList<LooseImageShard> Group(IReadOnlyList<string> sortedPaths, int shardSize)
    {
        ArgumentNullException.ThrowIfNull(sortedPaths);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        EnsureStrictlySorted(sortedPaths);

        var keyOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        var shards = new List<LooseImageShard>(ShardCount(sortedPaths.Count, shardSize));
        for (var start = 0; start < sortedPaths.Count; start += shardSize)
        {
            var count = Math.Min(shardSize, sortedPaths.Count - start);
            var images = new LooseImage[count];
            for (var i = 0; i < count; i++)
            {
                images[i] = Describe(sortedPaths[start + i], keyOwners);
            }

            shards.Add(new LooseImageShard(start / shardSize, images));
        }

        return shards;
    }

    /// <summary>How many shards <paramref name="imageCount"/> images make at <paramref name="shardSize"/> per shard.</summary>
    public static int ShardCount(int imageCount, int shardSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(imageCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        return (int)(((long)imageCount + shardSize - 1) / shardSize);
    }

    /// <summary>
    /// The key of a loose image: its relative path without the last extension ("a/b.c.jpg" → "a/b.c"); a basename
    /// that starts with its only dot (".jpg") keeps it.
    /// </summary>
    public static string KeyOf(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var basenameStart = relativePath.LastIndexOf('/') + 1;
        var dot = relativePath.LastIndexOf('.');
        return dot > basenameStart ? relativePath[..dot] : relativePath;
    }

    private static LooseImage Describe(string path, Dictionary<string, string> keyOwners)
    {
        var sanitised = WebDatasetNames.Sanitise(KeyOf(path));
        if (!sanitised.IsSafe)
        {
            return new LooseImage(sanitised.Key, path, $"unsafe image path: '{WebDatasetNames.Printable(path)}' ({sanitised.UnsafeReason})");
        }

        if (!keyOwners.TryAdd(sanitised.Key, path))
        {
            return new LooseImage(sanitised.Key, path, $"duplicate key: '{sanitised.Key}' is also the key of '{keyOwners[sanitised.Key]}'; the first is kept");
        }

        return new LooseImage(sanitised.Key, path, null);
    }

    private static void EnsureStrictlySorted(IReadOnlyList<string> sortedPaths)
    {
        for (var i = 0; i < sortedPaths.Count; i++)
        {
            if (string.IsNullOrEmpty(sortedPaths[i]))
            {
                throw new ArgumentException($"Path {i} is empty.", nameof(sortedPaths));
            }

            if (i > 0 && string.CompareOrdinal(sortedPaths[i - 1], sortedPaths[i]) >= 0)
            {
                throw new ArgumentException(
                    $"Paths must be sorted in ordinal order without repeats, but path {i} '{sortedPaths[i]}' does not come after '{sortedPaths[i - 1]}'.",
                    nameof(sortedPaths));
            }
        }
    }
}
