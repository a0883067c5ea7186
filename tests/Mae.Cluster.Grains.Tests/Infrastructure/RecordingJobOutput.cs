using System.Collections.Concurrent;
using Mae.Cluster.Grains.Jobs;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>The fake jobs' outputs are not real locations: record completions instead of writing them.</summary>
internal sealed class RecordingJobOutput : IJobOutputCommitter
{
    private readonly ConcurrentDictionary<string, (long Images, long FailedImages)> _completed = new();

    public Task MarkCompletedAsync(string jobId, JobSpec spec, long images, long failedImages, CancellationToken cancellationToken)
    {
        _completed[jobId] = (images, failedImages);
        return Task.CompletedTask;
    }

    public bool Completed(string jobId) => _completed.ContainsKey(jobId);
}
