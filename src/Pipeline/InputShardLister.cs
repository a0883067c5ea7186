using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// Finds the shards of an input location: every *.tar / *.tar.gz / *.tgz in name order is a shard (0..n−1); with
/// no tars, the loose images in name order are grouped into shards of a fixed size, so a rerun groups identically.
/// </summary>
public static class InputShardLister
{
    public static async Task<IReadOnlyList<InputShard>> ListAsync(IObjectStore input, int shardSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var tars = new List<string>();
        var images = new List<string>();
        await foreach (var item in input.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            if (IsTar(item.Path))
            {
                tars.Add(item.Path);
            }
            else if (IsImage(item.Path))
            {
                images.Add(item.Path);
            }
        }
        if (tars.Count > 0)
        {
            return tars.Select((path, index) => InputShard.Tar(index, path)).ToArray();
        }
        return LooseImageSharding.Group(images, shardSize).Select(InputShard.Loose).ToArray();
    }

    public static bool IsTar(string path) =>
        path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="path"/> would be part of a job: a tar shard or a loose image.</summary>
    public static bool IsJobInput(string path) => IsTar(path) || IsImage(path);

    private static bool IsImage(string path)
    {
        var dot = path.LastIndexOf('.');
        return dot >= 0 && WebDatasetReadOptions.DefaultImageExtensions.Contains(path[(dot + 1)..].ToLowerInvariant());
    }
}
