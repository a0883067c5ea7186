using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Workers;

namespace Mae.Cluster.Bench.Coordinator;

/// <summary>
/// For coordinator benchmarks: "processes" a shard by waiting <paramref name="shardTime"/> (none by default), writing
/// nothing, so the workers lease and complete as fast as the coordinator grains let them, or as a device of that
/// speed would. Stateless, so one instance serves every device.
/// </summary>
public sealed class NoOpShardExecutor(TimeSpan shardTime) : IShardExecutor, IShardExecutorFactory
{
    /// <summary>What each shard reports: one image, so image totals count completions.</summary>
    public static readonly ShardResult Result = new(Images: 1, FailedImages: 0, InputBytes: 0);

    public IShardExecutor Create(string device) => this;

    public async Task<ShardResult> ExecuteAsync(ShardWork work, CancellationToken cancellationToken)
    {
        if (shardTime > TimeSpan.Zero)
        {
            await Task.Delay(shardTime, cancellationToken).ConfigureAwait(false);
        }
        return Result;
    }
}
