namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// Records in a job's output that the job completed (job.json with its counts, then _SUCCESS — only when no shard
/// failed), so readers of the output need not ask the cluster. Called once, before the job is marked completed;
/// throwing fails the job.
/// </summary>
public interface IJobOutputCommitter
{
    Task MarkCompletedAsync(string jobId, JobSpec spec, long images, long failedImages, int failedShards, CancellationToken cancellationToken);

    /// <summary>Records that the job ran to its end but failed (nothing was embedded), with why; never writes _SUCCESS.</summary>
    Task MarkFailedAsync(string jobId, JobSpec spec, long images, long failedImages, string reason, CancellationToken cancellationToken);
}
