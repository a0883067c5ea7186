namespace Mae.Cluster.Inference.Engine;

/// <summary>
/// What a shard needs of an engine: the width of its embeddings, its patch count and one result per image, in input
/// order. <see cref="MaeEngine"/> computes them with the model; a simulated device
/// (<see cref="Simulation.SimulatedEngine"/>) stands in for it in benchmarks and soaks, so both go through the same
/// output writing, read-back checks and commit record.
/// </summary>
public interface IEmbeddingEngine
{
    /// <summary>Floats per embedding (the model's hidden size).</summary>
    int HiddenSize { get; }

    /// <summary>Patches per image (one mask value each; the hidden states have one more row, the CLS token).</summary>
    int Patches { get; }

    /// <summary>True when the results are not the model's but a simulated device's (their commit records say so).</summary>
    bool Simulated { get; }

    /// <summary>One result per input, in input order; a bad image becomes a result with an error.</summary>
    IAsyncEnumerable<ImageResult> EmbedAsync(IAsyncEnumerable<ImageInput> images, CancellationToken cancellationToken = default);
}
