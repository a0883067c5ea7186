using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Bench;

/// <summary>
/// Floating-point operations per image of the built graphs (a multiply-add counts 2), from the architecture:
/// matrix products and attention only, which is where all but a sliver of the work is.
/// vit-mae-base: features ≈ 35 GFLOP, reconstruction ≈ 20 GFLOP.
/// </summary>
public static class MaeFlops
{
    public static double Features(MaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return PatchEmbedding(config) + Encoder(config, config.NumPatches + 1);
    }

    public static double Reconstruction(MaeConfig config, double maskRatio)
    {
        ArgumentNullException.ThrowIfNull(config);
        var tokens = config.NumPatches + 1;
        var kept = (int)(config.NumPatches * (1 - maskRatio)) + 1;
        return PatchEmbedding(config)
            + Encoder(config, kept)
            + (2.0 * kept * config.HiddenSize * config.DecoderHiddenSize)
            + (config.DecoderNumHiddenLayers * Layer(tokens, config.DecoderHiddenSize, config.DecoderIntermediateSize))
            + (2.0 * tokens * config.DecoderHiddenSize * config.PatchDim);
    }

    private static double PatchEmbedding(MaeConfig c) => 2.0 * c.NumPatches * c.PatchDim * c.HiddenSize;

    private static double Encoder(MaeConfig c, int tokens) => c.NumHiddenLayers * Layer(tokens, c.HiddenSize, c.IntermediateSize);

    /// <summary>Q, K, V and output projections, the MLP, and the two attention products.</summary>
    private static double Layer(int tokens, int width, int intermediate) =>
        (2.0 * tokens * ((4.0 * width * width) + (2.0 * width * intermediate))) + (4.0 * tokens * tokens * width);
}
