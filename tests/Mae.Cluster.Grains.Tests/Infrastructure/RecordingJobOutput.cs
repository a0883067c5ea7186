using System.Collections.Concurrent;
using Mae.Cluster.Grains.Jobs;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>The fake jobs' outputs are not real locations: record completions instead of writing them.</summary>
internal sealed class RecordingJobOutput : IJobOutputCommitter
{
    private readonly ConcurrentDictionary<string, (long Images, long FailedImages, int FailedShards)> _completed = new();
    private readonly ConcurrentDictionary<string, string> _failed = new();

    public Task MarkCompletedAsync(string jobId, JobSpec spec, long images, long failedImages, int failedShards, CancellationToken cancellationToken)
    {
        _completed[jobId] = (images, failedImages, failedShards);
        return Task.CompletedTask;
    }

    public Task MarkFailedAsync(string jobId, JobSpec spec, long images, long failedImages, string reason, CancellationToken cancellationToken)
    {
        _failed[jobId] = reason;
        return Task.CompletedTask;
    }

    /// <summary>The reason the job recorded in its output when it failed; null if it never recorded a failure.</summary>
    public string? RecordedFailure(string jobId) => _failed.GetValueOrDefault(jobId);

    /// <summary>Whether the job recorded its output as whole (completed with no failed shard).</summary>
    public bool Completed(string jobId) => _completed.TryGetValue(jobId, out var c) && c.FailedShards == 0;

    /// <summary>Failed shards the job recorded in its output on completion; null if it never recorded completion.</summary>
    public int? RecordedFailedShards(string jobId) => _completed.TryGetValue(jobId, out var c) ? c.FailedShards : null;
}
