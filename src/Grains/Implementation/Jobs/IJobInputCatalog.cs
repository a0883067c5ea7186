namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// Turns a job's input into numbered shards. Runs outside grain turns (listing a million blobs takes a while); stores
/// whatever a worker needs to find shard i later, so grains only ever carry the count.
/// </summary>
public interface IJobInputCatalog
{
    /// <summary>Enumerates the input; returns the number of shards (0 when the input holds nothing to embed).</summary>
    Task<int> EnumerateAsync(string jobId, JobSpec spec, CancellationToken cancellationToken);
}
