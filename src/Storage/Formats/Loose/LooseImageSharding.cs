namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// The rules of loose images in a job: an image's key, and how many shards a number of images make. The grouping
/// itself, one path at a time, is <see cref="LooseImageShardBuilder"/>.
/// </summary>
public static class LooseImageSharding
{
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
}
