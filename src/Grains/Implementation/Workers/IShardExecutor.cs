namespace Mae.Cluster.Grains.Workers;

/// <summary>
/// Processes one shard on one device and writes its outputs to storage; returns only counts. Runs on the worker's
/// own loop, never inside a grain turn. Throwing means this attempt failed (the message becomes the shard's reason).
/// </summary>
public interface IShardExecutor
{
    Task<ShardResult> ExecuteAsync(ShardWork work, CancellationToken cancellationToken);
}
