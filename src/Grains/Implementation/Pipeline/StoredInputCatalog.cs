using Mae.Cluster.Grains.Jobs;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Grains.Pipeline;

/// <summary>Lists a real input (local folder or blob prefix) into shards and stores the listing as pages in the output.</summary>
public sealed class StoredInputCatalog(StorageOptions? storage = null) : IJobInputCatalog
{
    public async Task<int> EnumerateAsync(string jobId, JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var input = ObjectStoreFactory.Create(spec.Input, storage);
        var output = ObjectStoreFactory.Create(spec.Output, storage);
        var shards = await InputShardLister.ListAsync(input, spec.ShardSize, cancellationToken).ConfigureAwait(false);
        await output.EnsureWritableAsync(cancellationToken).ConfigureAwait(false);
        await ShardListingPages.WriteAsync(output, shards, cancellationToken).ConfigureAwait(false);
        return shards.Count;
    }
}
