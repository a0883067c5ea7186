using Mae.Cluster.Grains.Jobs;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Grains.Execution;

/// <summary>Marks a real output (local folder or blob prefix) completed, the way the one-machine runner does.</summary>
public sealed class StoredJobOutput(TimeProvider time, StorageOptions? storage = null) : IJobOutputCommitter
{
    public async Task MarkCompletedAsync(string jobId, JobSpec spec, long images, long failedImages, int failedShards, CancellationToken cancellationToken)
    {
        var (output, running) = await ClaimedAsync(jobId, spec, cancellationToken).ConfigureAwait(false);
        await JobOutputClaim.MarkCompletedAsync(output, running, images, failedImages, time.GetUtcNow(), cancellationToken, failedShards).ConfigureAwait(false);
    }

    public async Task MarkFailedAsync(string jobId, JobSpec spec, long images, long failedImages, string reason, CancellationToken cancellationToken)
    {
        var (output, running) = await ClaimedAsync(jobId, spec, cancellationToken).ConfigureAwait(false);
        await JobOutputClaim.MarkFailedAsync(output, running, images, failedImages, reason, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    private async Task<(IObjectStore Output, JobManifest Running)> ClaimedAsync(string jobId, JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var output = ObjectStoreFactory.Create(spec.Output, storage);
        var running = await JobOutputClaim.ReadAsync(output, cancellationToken).ConfigureAwait(false)
                      ?? throw new InvalidDataException($"{OutputLayout.JobManifest} is missing from {output.Location}: job {jobId} never claimed it, or it was deleted.");
        return (output, running);
    }
}
