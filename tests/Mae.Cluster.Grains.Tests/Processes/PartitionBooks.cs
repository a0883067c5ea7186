namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>Reads every shard's record (state, attempts, lease holder) from a job's partition grains.</summary>
internal static class PartitionBooks
{
    public static async Task<IReadOnlyList<ShardRecord>> ReadAsync(IClusterClient client, string jobId, int shards, int partitionSize)
    {
        var partitions = (shards + partitionSize - 1) / partitionSize;
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                var parts = await Task.WhenAll(Enumerable.Range(0, partitions)
                    .Select(p => client.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(jobId, p)).GetShardsAsync()));
                return parts.SelectMany(p => p).ToArray();
            }
            catch (Exception e) when ((e is OrleansException or TimeoutException) && DateTime.UtcNow < limit)
            {
                // A partition on a silo that just went away answers again once it is re-activated elsewhere.
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }
}
