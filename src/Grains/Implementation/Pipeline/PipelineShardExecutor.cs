using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Pipeline;

/// <summary>
/// The real executor of one device: a <see cref="MaeEngine"/> (which runs batches on its own inference thread)
/// behind <see cref="ShardProcessor"/>, which writes the shard's outputs and commit record. A shard already
/// committed is not recomputed. The engine is rebuilt only when a job needs another model or seed.
/// </summary>
public sealed class PipelineShardExecutor(string device, InferenceOptions options, StorageOptions? storage, ILogger logger) : IShardExecutor, IDisposable
{
    private MaeEngine? _engine;
    private (string Model, long Seed) _engineFor;
    private (string JobId, string Fingerprint)? _fingerprint;

    public async Task<ShardResult> ExecuteAsync(ShardWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var spec = work.Spec;
        var input = ObjectStoreFactory.Create(spec.Input, storage, logger);
        var output = ObjectStoreFactory.Create(spec.Output, storage, logger);
        var fingerprint = await FingerprintAsync(work.JobId, output, cancellationToken).ConfigureAwait(false);
        var committed = await output.TryReadSmallAsync(OutputLayout.Commit(work.Shard), cancellationToken).ConfigureAwait(false);
        // Only this job's record counts: another job's leftover is overwritten, never passed off as this job's result.
        if (committed is not null && ShardCommitRecord.Parse(committed) is { } record && record.JobFingerprint == fingerprint)
        {
            return new ShardResult(record.Images, record.Failures, 0);
        }
        var shard = await ShardListingPages.ReadAsync(output, work.Shard, cancellationToken).ConfigureAwait(false);
        var processor = new ShardProcessor(Engine(spec), input, output, ShardOptions(spec), fingerprint, logger);
        var outcome = await processor.ProcessAsync(shard, cancellationToken).ConfigureAwait(false);
        return new ShardResult(outcome.Images, outcome.Failures, outcome.InputBytes);
    }

    /// <summary>What the cluster computes for a spec: the runner's defaults for everything the spec does not set.</summary>
    public static ShardJobOptions ShardOptions(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new ShardJobOptions { Input = spec.Input, Output = spec.Output, ShardSize = spec.ShardSize };
    }

    /// <summary>The job's fingerprint from the job.json it claimed, so commit records match the one-machine runner's.</summary>
    private async Task<string> FingerprintAsync(string jobId, IObjectStore output, CancellationToken cancellationToken)
    {
        if (_fingerprint is { } known && known.JobId == jobId)
        {
            return known.Fingerprint;
        }
        var manifest = await JobOutputClaim.ReadAsync(output, cancellationToken).ConfigureAwait(false)
                       ?? throw new InvalidDataException($"{OutputLayout.JobManifest} is missing from {output.Location}; was job {jobId} enumerated?");
        _fingerprint = (jobId, manifest.JobFingerprint);
        return manifest.JobFingerprint;
    }

    private MaeEngine Engine(JobSpec spec)
    {
        if (_engine is null || _engineFor != (spec.Model, spec.Seed))
        {
            _engine?.Dispose();
            _engine = MaeEngine.Create(new MaeEngineOptions
            {
                ModelDirectory = spec.Model,
                GraphCacheDirectory = options.GraphCacheDirectory,
                Device = ExecutionDevice.Parse(device),
                Precision = options.Precision,
                BatchSize = options.BatchSize,
                Seed = spec.Seed,
            }, logger);
            _engineFor = (spec.Model, spec.Seed);
        }
        return _engine;
    }

    public void Dispose() => _engine?.Dispose();
}
