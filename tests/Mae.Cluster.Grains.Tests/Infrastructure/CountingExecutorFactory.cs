using System.Collections.Concurrent;
using Mae.Cluster.Grains.Workers;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>
/// Wraps the real executors and counts, per job and shard, the executions that reached them — so a test can tell a
/// shard that was skipped from one that was redone.
/// </summary>
internal sealed class CountingExecutorFactory(IShardExecutorFactory inner, ExecutionCounts counts) : IShardExecutorFactory
{
    public IShardExecutor Create(string device) => new Counting(inner.Create(device), counts);

    private sealed class Counting(IShardExecutor inner, ExecutionCounts counts) : IShardExecutor
    {
        public Task<ShardResult> ExecuteAsync(ShardWork work, CancellationToken cancellationToken)
        {
            counts.Add(work.JobId, work.Shard);
            return inner.ExecuteAsync(work, cancellationToken);
        }
    }
}

/// <summary>Executions per (job, shard), shared by every silo of a test cluster.</summary>
internal sealed class ExecutionCounts
{
    private readonly ConcurrentDictionary<(string Job, int Shard), int> _counts = new();

    public void Add(string jobId, int shard) => _counts.AddOrUpdate((jobId, shard), 1, (_, n) => n + 1);

    public IReadOnlyDictionary<int, int> Of(string jobId) =>
        _counts.Where(c => c.Key.Job == jobId).ToDictionary(c => c.Key.Shard, c => c.Value);
}
