using Mae.Cluster.Grains.Jobs;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// Lists a real input (local folder or blob prefix) into shards, claims the output for the job (job.json, refusing an
/// output that holds a different job's results, exactly as the one-machine runner does) and stores the listing as
/// pages in the output. The listing is streamed into the pages as it is read (<see cref="StagedShardListing"/>), so
/// an input of millions of objects costs this silo a shard's worth of memory, not the listing's.
/// </summary>
public sealed class StoredInputCatalog(InferenceOptions inference, ModelResolver models, TimeProvider time, StorageOptions? storage = null) : IJobInputCatalog
{
    public async Task<int> EnumerateAsync(string jobId, JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var input = ObjectStoreFactory.Create(spec.Input, storage);
        var output = ObjectStoreFactory.Create(spec.Output, storage);
        JobIdentity? identity = null;
        var listing = new StagedShardListing(output, async token => identity = await PrepareOutputAsync(spec, input, output, token).ConfigureAwait(false));
        await using (listing.ConfigureAwait(false))
        {
            await foreach (var shard in InputShardLister.StreamAsync(input, spec.ShardSize, cancellationToken).ConfigureAwait(false))
            {
                await listing.AddAsync(shard, cancellationToken).ConfigureAwait(false);
            }
            return await listing.CompleteAsync(
                (shards, token) => JobOutputClaim.ClaimAsync(output, Manifest(identity!, spec, shards), token), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Before the first page: the output must be writable and not another job's (the shard count is no part of that
    /// check: it is not in the fingerprint), and the model must load, so a bad one fails the job here rather than on
    /// every shard.
    /// </summary>
    private async Task<JobIdentity> PrepareOutputAsync(JobSpec spec, IObjectStore input, IObjectStore output, CancellationToken cancellationToken)
    {
        await output.EnsureWritableAsync(cancellationToken).ConfigureAwait(false);
        var directory = await models.ResolveAsync(spec.Model, spec.Revision, cancellationToken).ConfigureAwait(false);
        var checkpoint = MaeCheckpoint.Load(directory, cancellationToken);
        var identity = spec.ToJobIdentity(input, output, checkpoint, spec.PrecisionOr(inference.Precision));
        var existing = await JobOutputClaim.ReadAsync(output, cancellationToken).ConfigureAwait(false);
        OutputOwnership.RefuseOtherJob(output, existing, Manifest(identity, spec, 0));
        return identity;
    }

    private JobManifest Manifest(JobIdentity identity, JobSpec spec, int shards) =>
        JobOutputClaim.Describe(identity, "cluster", spec.BatchSize ?? inference.BatchSize, shards, time.GetUtcNow());
}
