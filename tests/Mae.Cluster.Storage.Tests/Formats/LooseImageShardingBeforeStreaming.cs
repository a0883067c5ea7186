using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Storage.Tests.Formats;

/// <summary>
/// The grouping of loose images as it was before issue 13 streamed it (the whole listing in memory, one dictionary of
/// every key), kept verbatim as the oracle that <see cref="LooseImageShardBuilder"/> must match.
/// </summary>
internal static class LooseImageShardingBeforeStreaming
{
    public static IReadOnlyList<LooseImageShard> Group(IReadOnlyList<string> sortedPaths, int shardSize)
    {
        ArgumentNullException.ThrowIfNull(sortedPaths);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        EnsureStrictlySorted(sortedPaths);

        var keyOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        var shards = new List<LooseImageShard>(LooseImageSharding.ShardCount(sortedPaths.Count, shardSize));
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

    private static string KeyOf(string relativePath) => LooseImageSharding.KeyOf(relativePath);

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
