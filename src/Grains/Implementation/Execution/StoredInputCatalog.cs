using Mae.Cluster.Grains.Jobs;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// Lists a real input (local folder or blob prefix) into shards, claims the output for the job (job.json, refusing an
/// output that holds a different job's results, exactly as the one-machine runner does) and stores the listing as
/// pages in the output.
/// </summary>
public sealed class StoredInputCatalog(InferenceOptions inference, ModelResolver models, TimeProvider time, StorageOptions? storage = null) : IJobInputCatalog
{
    public async Task<int> EnumerateAsync(string jobId, JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var input = ObjectStoreFactory.Create(spec.Input, storage);
        var output = ObjectStoreFactory.Create(spec.Output, storage);
        var shards = await InputShardLister.ListAsync(input, spec.ShardSize, cancellationToken).ConfigureAwait(false);
        if (shards.Count == 0)
        {
            return 0;
        }
        await output.EnsureWritableAsync(cancellationToken).ConfigureAwait(false);
        // Loading validates the checkpoint too, so a bad model fails the job here rather than on every shard.
        var directory = await models.ResolveAsync(spec.Model, spec.Revision, cancellationToken).ConfigureAwait(false);
        var checkpoint = MaeCheckpoint.Load(directory, cancellationToken);
        var identity = spec.ToJobIdentity(input, output, checkpoint, spec.PrecisionOr(inference.Precision));
        var manifest = JobOutputClaim.Describe(identity, "cluster", spec.BatchSize ?? inference.BatchSize, shards.Count, time.GetUtcNow());
        await JobOutputClaim.ClaimAsync(output, manifest, cancellationToken).ConfigureAwait(false);
        await ShardListingPages.WriteAsync(output, shards, cancellationToken).ConfigureAwait(false);
        return shards.Count;
    }
}
