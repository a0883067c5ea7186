using Mae.Cluster.Grains.Workers;

namespace Mae.Cluster.Grains.Benchmarks;

/// <summary>
/// For coordinator benchmarks: "processes" a shard at once, writing nothing, so the workers lease and complete as
/// fast as the coordinator grains let them. Stateless, so one instance serves every device.
/// </summary>
public sealed class NoOpShardExecutor : IShardExecutor, IShardExecutorFactory
{
    /// <summary>What each shard reports: one image, so image totals count completions.</summary>
    public static readonly ShardResult Result = new(Images: 1, FailedImages: 0, InputBytes: 0);

    public IShardExecutor Create(string device) => this;

    public Task<ShardResult> ExecuteAsync(ShardWork work, CancellationToken cancellationToken) => Task.FromResult(Result);
}
