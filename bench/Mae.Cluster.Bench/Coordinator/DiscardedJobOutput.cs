using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Jobs;

namespace Mae.Cluster.Bench.Coordinator;

/// <summary>For coordinator benchmarks: a synthetic job has no output to mark completed.</summary>
public sealed class DiscardedJobOutput : IJobOutputCommitter
{
    public Task MarkCompletedAsync(string jobId, JobSpec spec, long images, long failedImages, int failedShards, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task MarkFailedAsync(string jobId, JobSpec spec, long images, long failedImages, string reason, CancellationToken cancellationToken) => Task.CompletedTask;
}
