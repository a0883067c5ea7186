using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Simulation;
using Mae.Cluster.Pipeline;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// A simulated device's engines (<see cref="SimulatedDevice"/>): one <see cref="DevicePace"/> for the device, shared
/// by its shards as a real device's time is, and a <see cref="SimulatedEngine"/> per shard shaped like the job's model
/// (its config.json alone; no weights are loaded and no graph is built).
/// </summary>
public sealed class SimulatedEngines(SimulatedDevice device, InferenceOptions options, ModelResolver models) : IShardEngines
{
    private readonly DevicePace _pace = new(device.ImagesPerSecond);

    public bool Simulated => true;

    public async Task<EngineLease> AcquireAsync(JobSpec spec, JobManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(manifest);
        var config = await ConfigAsync(spec.Model, spec.Revision, cancellationToken).ConfigureAwait(false);
        var outputs = spec.ToShardJobOptions().Outputs;
        var engine = new SimulatedEngine(
            new SimulatedEngineOptions(config.HiddenSize, config.NumPatches, spec.BatchSize ?? options.BatchSize, manifest.Seed, manifest.MaskRatio,
                outputs.HasFlag(ResultOutputs.Embeddings), outputs.HasFlag(ResultOutputs.Loss), spec.SavePatchTokens),
            _pace);
        return new EngineLease(engine);
    }

    /// <summary>The job's model as its config.json says (resolved once per silo by <see cref="ModelResolver"/>; a small file read per shard).</summary>
    private async Task<MaeConfig> ConfigAsync(string model, string revision, CancellationToken cancellationToken)
    {
        var directory = await models.ResolveAsync(model, revision, cancellationToken).ConfigureAwait(false);
        return MaeConfigJson.Read(Path.Combine(directory, MaeConfigJson.FileName));
    }

    public void Dispose()
    {
    }
}
