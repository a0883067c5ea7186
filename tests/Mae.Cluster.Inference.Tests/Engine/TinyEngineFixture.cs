using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Inference.Tests.Engine;

/// <summary>One default tiny checkpoint on disk and a graph cache, shared by the engine tests of a class.</summary>
public sealed class TinyEngineFixture : IDisposable
{
    private readonly TempDirectory _temp = new();

    public TinyEngineFixture()
    {
        ModelDirectory = _temp.Combine("tiny");
        TinyCheckpoint.Write(ModelDirectory, seed: 0);
        Checkpoint = MaeCheckpoint.Load(ModelDirectory);
    }

    public string ModelDirectory { get; }

    public MaeCheckpoint Checkpoint { get; }

    public MaeEngineOptions Options(int batchSize = 8, long seed = 0, GraphEmission emission = GraphEmission.Fused) => new()
    {
        ModelDirectory = ModelDirectory,
        GraphCacheDirectory = _temp.Combine("graphs"),
        BatchSize = batchSize,
        Seed = seed,
        Emission = emission,
        InferenceThreads = 1,
        DecodeThreads = 2,
    };

    public void Dispose() => _temp.Dispose();
}
