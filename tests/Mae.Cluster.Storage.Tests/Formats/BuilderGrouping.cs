using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Storage.Tests.Formats;

/// <summary>
/// A whole sorted listing through <see cref="LooseImageShardBuilder"/>, answering its look-ups from the listing, as the
/// input lister answers them from the store.
/// </summary>
internal static class BuilderGrouping
{
    public static IReadOnlyList<LooseImageShard> Group(IReadOnlyList<string> sortedPaths, int shardSize)
    {
        var builder = new LooseImageShardBuilder(shardSize);
        var shards = new List<LooseImageShard>();
        for (var i = 0; i < sortedPaths.Count; i++)
        {
            var path = sortedPaths[i];
            var earlier = builder.KeyToLookUp(path) is { } key ? sortedPaths.Take(i).FirstOrDefault(p => LooseImageSharding.KeyOf(p) == key) : null;
            if (builder.Add(path, earlier) is { } full)
            {
                shards.Add(full);
            }
        }
        if (builder.Complete() is { } last)
        {
            shards.Add(last);
        }
        return shards;
    }
}
