using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Engine;

[assembly: AssemblyFixture(typeof(Mae.Cluster.Pipeline.Tests.Support.TinyModel))]

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>
/// One seeded tiny checkpoint (real safetensors, real ONNX graphs) for the whole test assembly, and an engine over
/// it. Tests that need another job seed create their own engine; the graphs are built once and cached.
/// </summary>
public sealed class TinyModel : IDisposable
{
    public const string Name = "tiny";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mae-pipeline-tests-model-" + Guid.NewGuid().ToString("N"));

    public TinyModel()
    {
        TinyCheckpoint.Write(ModelDirectory, seed: 0);
        Engine = CreateEngine(seed: 0);
    }

    public string ModelDirectory => Path.Combine(_folder, "checkpoint");

    /// <summary>The engine for job seed 0 (the seed every test uses unless it says otherwise).</summary>
    public MaeEngine Engine { get; }

    /// <summary>Small batches so a shard of a few images still spans several, and few threads (the test machine has two cores).</summary>
    /// <param name="configure">Changes the options further: what the engine computes, for jobs with other outputs.</param>
    public MaeEngine CreateEngine(long seed, Action<MaeEngineOptions>? configure = null)
    {
        var options = new MaeEngineOptions
        {
            ModelDirectory = ModelDirectory,
            GraphCacheDirectory = Path.Combine(_folder, "graphs"),
            BatchSize = 2,
            Seed = seed,
            InferenceThreads = 1,
            DecodeThreads = 2,
        };
        configure?.Invoke(options);
        return MaeEngine.Create(options);
    }

    public void Dispose()
    {
        Engine.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
