using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// The executor of one device: an engine from <see cref="IShardEngines"/> (the model, or a simulated device) behind
/// <see cref="ShardProcessor"/>, which writes the shard's outputs and commit record. A shard already committed by the
/// same kind of engine is not recomputed; one a simulated device committed is never passed off as a model's result,
/// nor the other way round.
/// </summary>
public sealed class PipelineShardExecutor(IShardEngines engines, StorageOptions? storage, ILogger logger)
    : IShardExecutor, IDisposable
{
    private JobContext? _job;

    public async Task<ShardResult> ExecuteAsync(ShardWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var spec = work.Spec;
        var (_, input, output, manifest, listing) = await JobAsync(work.JobId, spec, cancellationToken).ConfigureAwait(false);
        var fingerprint = manifest.JobFingerprint;
        if (await ShardCommitRecord.ReadOwnAsync(output, work.Shard, fingerprint, cancellationToken).ConfigureAwait(false) is { } record
            && record.IsSimulated == engines.Simulated)
        {
            return new ShardResult(record.Images, record.Failures, 0, AlreadyCommitted: true);
        }
        var shard = await listing.ReadAsync(work.Shard, cancellationToken).ConfigureAwait(false);
        using var engine = await engines.AcquireAsync(spec, manifest, cancellationToken).ConfigureAwait(false);
        var processor = new ShardProcessor(engine.Engine, input, output, spec.ToShardJobOptions(), fingerprint, logger);
        var outcome = await processor.ProcessAsync(shard, cancellationToken).ConfigureAwait(false);
        return new ShardResult(outcome.Images, outcome.Failures, outcome.InputBytes);
    }

    /// <summary>
    /// The job's stores, the job.json it claimed (its fingerprint, checkpoint hash and precision) and its shard listing,
    /// made and read once per job rather than per shard: a blob store holds a service client and, where one is
    /// configured, a credential whose token would otherwise be fetched again for every shard. A simulated device marks
    /// the output here, before its first shard, so that the job's final job.json says it ran on one.
    /// </summary>
    private async Task<JobContext> JobAsync(string jobId, JobSpec spec, CancellationToken cancellationToken)
    {
        if (_job is { } known && known.JobId == jobId)
        {
            return known;
        }
        var output = ObjectStoreFactory.Create(spec.Output, storage, logger);
        var manifest = await JobOutputClaim.ReadAsync(output, cancellationToken).ConfigureAwait(false)
                       ?? throw new InvalidDataException($"{OutputLayout.JobManifest} is missing from {output.Location}; was job {jobId} enumerated?");
        if (engines.Simulated)
        {
            await JobOutputClaim.MarkSimulatedAsync(output, cancellationToken).ConfigureAwait(false);
        }
        var job = new JobContext(jobId, ObjectStoreFactory.Create(spec.Input, storage, logger), output, manifest, new ShardListingPages.Reader(output));
        _job = job;
        return job;
    }

    public void Dispose() => engines.Dispose();

    /// <summary>The job last seen, replaced whole so concurrent shards never read half of it.</summary>
    private sealed record JobContext(string JobId, IObjectStore Input, IObjectStore Output, JobManifest Manifest, ShardListingPages.Reader Listing);
}
