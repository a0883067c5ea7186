using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Pipeline;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// Where one device's shards get their engine: the model (<see cref="ModelEngines"/>) or a simulated device
/// (<see cref="SimulatedEngines"/>). <see cref="PipelineShardExecutor"/> runs the same shard code over either.
/// </summary>
public interface IShardEngines : IDisposable
{
    /// <summary>Whether these engines are a simulated device's: a shard committed by the other kind is computed again.</summary>
    bool Simulated { get; }

    /// <summary>An engine for <paramref name="spec"/>'s shards, as job.json (<paramref name="manifest"/>) fixed them; dispose it when the shard is done.</summary>
    Task<EngineLease> AcquireAsync(JobSpec spec, JobManifest manifest, CancellationToken cancellationToken);
}

/// <summary>A shard's use of an engine; disposing it gives the engine back.</summary>
public sealed class EngineLease(IEmbeddingEngine engine, IDisposable? release = null) : IDisposable
{
    public IEmbeddingEngine Engine => engine;

    public void Dispose() => release?.Dispose();
}
