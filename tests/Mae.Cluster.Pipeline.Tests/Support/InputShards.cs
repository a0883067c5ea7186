using System.Globalization;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>Puts tar shards of real photos into a job's input.</summary>
internal static class InputShards
{
    /// <summary>
    /// Puts shard-00.tar … shard-NN.tar, each with <paramref name="imagesPerShard"/> photos keyed "NN/i", and returns
    /// the photos in the order the job should report them.
    /// </summary>
    public static async Task<IReadOnlyList<Photo>> PutTarsAsync(JobStorage storage, int shards, int imagesPerShard, CancellationToken cancellationToken)
    {
        var photos = new List<Photo>();
        for (var shard = 0; shard < shards; shard++)
        {
            var keys = Enumerable.Range(0, imagesPerShard).Select(i => $"{shard:00}/{i}");
            photos.AddRange(await PutTarAsync(storage, $"shard-{shard.ToString("00", CultureInfo.InvariantCulture)}.tar", keys,
                shard * imagesPerShard, cancellationToken));
        }
        return photos;
    }

    /// <summary>Puts one tar with a photo per key (test photos from <paramref name="firstPhoto"/> on) and returns them.</summary>
    public static async Task<IReadOnlyList<Photo>> PutTarAsync(JobStorage storage, string name, IEnumerable<string> keys, int firstPhoto,
        CancellationToken cancellationToken)
    {
        using var tar = new TarShardBuilder();
        foreach (var key in keys)
        {
            tar.Image(key, firstPhoto++);
        }
        await storage.PutInputAsync(name, tar.ToArray(), cancellationToken);
        return [.. tar.Photos];
    }
}
