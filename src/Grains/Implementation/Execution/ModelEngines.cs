using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Pipeline;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// The model on one device: a <see cref="MaeEngine"/> (which runs batches on its own inference thread), rebuilt only
/// when a job needs another model, seed, mask ratio or precision. Precision and checkpoint come from the job.json
/// written when the job was enumerated, so every silo computes a job's shards alike whatever its own defaults.
/// Shards running at once share the engine (its inference thread takes their batches in turn, so one shard's decoding
/// and writing overlap another's model calls); a shard of a job that needs another engine waits until the current one
/// is free (<see cref="SharedEngine{TKey, TEngine}"/>).
/// </summary>
public sealed class ModelEngines(ExecutionDevice device, InferenceOptions options, ModelResolver models, ILogger logger) : IShardEngines
{
    private SharedEngine<EngineKey, MaeEngine>? _engine;

    private SharedEngine<EngineKey, MaeEngine> Engine => LazyInitializer.EnsureInitialized(ref _engine, () => new(LoadAsync));

    public bool Simulated => false;

    /// <summary>A lease on the engine the job needs, once its checkpoint is known to be the one the job started with.</summary>
    public async Task<EngineLease> AcquireAsync(JobSpec spec, JobManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(manifest);
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
        return new EngineLease(lease.Engine, lease);
    }

    private async Task<MaeEngine> LoadAsync(EngineKey key, CancellationToken cancellationToken)
    {
        var directory = await models.ResolveAsync(key.Model, key.Revision, cancellationToken).ConfigureAwait(false);
        return MaeEngine.Create(new MaeEngineOptions
        {
            ModelDirectory = directory,
            GraphCacheDirectory = options.GraphCacheDirectory ?? models.GraphCacheDirectory,
            Device = device,
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

    /// <summary>What makes two jobs' engines interchangeable: the weights, masking, batching and which graphs run.</summary>
    private sealed record EngineKey(string Model, string Revision, long Seed, double? MaskRatio, Precision Precision, int BatchSize,
        ResultOutputs Outputs, bool KeepPatchTokens);
}
