using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// The real executor of one device: a <see cref="MaeEngine"/> (which runs batches on its own inference thread)
/// behind <see cref="ShardProcessor"/>, which writes the shard's outputs and commit record. A shard already
/// committed is not recomputed. The engine is rebuilt only when a job needs another model, seed, mask ratio or precision.
/// Precision and checkpoint come from the job.json written when the job was enumerated, so every silo computes a
/// job's shards alike whatever its own defaults. Shards running at once share the engine (its inference thread takes
/// their batches in turn, so one shard's decoding and writing overlap another's model calls); a shard of a job that
/// needs another engine waits until the current one is free (<see cref="SharedEngine{TKey, TEngine}"/>).
/// </summary>
public sealed class PipelineShardExecutor(string device, InferenceOptions options, ModelResolver models, StorageOptions? storage, ILogger logger)
    : IShardExecutor, IDisposable
{
    private SharedEngine<EngineKey, MaeEngine>? _engine;
    private JobContext? _job;

    private SharedEngine<EngineKey, MaeEngine> Engine => LazyInitializer.EnsureInitialized(ref _engine, () => new(LoadAsync));

    public async Task<ShardResult> ExecuteAsync(ShardWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var spec = work.Spec;
        var (_, input, output, manifest, listing) = await JobAsync(work.JobId, spec, cancellationToken).ConfigureAwait(false);
        var fingerprint = manifest.JobFingerprint;
        if (await ShardCommitRecord.ReadOwnAsync(output, work.Shard, fingerprint, cancellationToken).ConfigureAwait(false) is { } record)
        {
            return new ShardResult(record.Images, record.Failures, 0, AlreadyCommitted: true);
        }
        var shard = await listing.ReadAsync(work.Shard, cancellationToken).ConfigureAwait(false);
        using var engine = await EngineAsync(spec, manifest, cancellationToken).ConfigureAwait(false);
        var processor = new ShardProcessor(engine.Engine, input, output, spec.ToShardJobOptions(), fingerprint, logger);
        var outcome = await processor.ProcessAsync(shard, cancellationToken).ConfigureAwait(false);
        return new ShardResult(outcome.Images, outcome.Failures, outcome.InputBytes);
    }

    /// <summary>
    /// The job's stores, the job.json it claimed (its fingerprint, checkpoint hash and precision) and its shard listing,
    /// made and read once per job rather than per shard: a blob store holds a service client and, where one is
    /// configured, a credential whose token would otherwise be fetched again for every shard.
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
        var job = new JobContext(jobId, ObjectStoreFactory.Create(spec.Input, storage, logger), output, manifest, new ShardListingPages.Reader(output));
        _job = job;
        return job;
    }

    /// <summary>A lease on the engine the job needs, once its checkpoint is known to be the one the job started with.</summary>
    private async Task<SharedEngine<EngineKey, MaeEngine>.Lease> EngineAsync(JobSpec spec, JobManifest manifest, CancellationToken cancellationToken)
    {
        var precision = ManifestNames.PrecisionOf(manifest);
        var outputs = spec.ToShardJobOptions().Outputs;
        var key = new EngineKey(spec.Model, spec.Revision, spec.Seed, spec.MaskRatio, precision, spec.BatchSize ?? options.BatchSize, outputs, spec.SavePatchTokens);
        var lease = await Engine.AcquireAsync(key, cancellationToken).ConfigureAwait(false);
        var hash = lease.Engine.CheckpointHash;
        // A folder model can differ between machines: computing with other weights would mix two models in one output.
        if (!string.Equals(hash, manifest.ModelSha256, StringComparison.OrdinalIgnoreCase))
        {
            lease.Dispose();
            throw new InvalidDataException(
                $"The checkpoint '{spec.Model}' on this silo (sha256 {hash[..12]}…) differs from the one the job was started with " +
                $"(sha256 {manifest.ModelSha256[..Math.Min(12, manifest.ModelSha256.Length)]}…); refusing to mix two models in one output.");
        }
        return lease;
    }

    private async Task<MaeEngine> LoadAsync(EngineKey key, CancellationToken cancellationToken)
    {
        var directory = await models.ResolveAsync(key.Model, key.Revision, cancellationToken).ConfigureAwait(false);
        return MaeEngine.Create(new MaeEngineOptions
        {
            ModelDirectory = directory,
            GraphCacheDirectory = options.GraphCacheDirectory ?? models.GraphCacheDirectory,
            Device = ExecutionDevice.Parse(device),
            Precision = key.Precision,
            Emission = options.Emission,
            BatchSize = key.BatchSize,
            Seed = key.Seed,
            MaskRatio = key.MaskRatio,
            InferenceThreads = options.InferenceThreads,
            DecodeThreads = options.DecodeThreads,
            DecodeMode = options.DecodeMode,
            ComputeEmbeddings = key.Outputs.HasFlag(ResultOutputs.Embeddings),
            ComputeLoss = key.Outputs.HasFlag(ResultOutputs.Loss),
            KeepPatchTokens = key.KeepPatchTokens,
        }, logger);
    }

    public void Dispose() => _engine?.Dispose();

    /// <summary>The job last seen, replaced whole so concurrent shards never read half of it.</summary>
    private sealed record JobContext(string JobId, IObjectStore Input, IObjectStore Output, JobManifest Manifest, ShardListingPages.Reader Listing);

    /// <summary>What makes two jobs' engines interchangeable: the weights, masking, batching and which graphs run.</summary>
    private sealed record EngineKey(string Model, string Revision, long Seed, double? MaskRatio, Precision Precision, int BatchSize,
        ResultOutputs Outputs, bool KeepPatchTokens);
}
