using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Onnx;

/// <summary>The tiny architectures the graph tests run: two patch sizes and depths, and norm_pix_loss on.</summary>
internal static class TinyModels
{
    /// <summary>224×224 with 16×16 patches (196 of them), two layers: the default tiny checkpoint.</summary>
    public static MaeConfig Patch16 => TinyCheckpoint.DefaultConfig;

    /// <summary>32×32 with 8×8 patches (16 of them), three layers, three heads, a one-layer decoder.</summary>
    public static MaeConfig Patch8 { get; } = new()
    {
        ImageSize = 32,
        PatchSize = 8,
        HiddenSize = 48,
        NumHiddenLayers = 3,
        NumAttentionHeads = 3,
        IntermediateSize = 96,
        DecoderHiddenSize = 24,
        DecoderNumHiddenLayers = 1,
        DecoderNumAttentionHeads = 2,
        DecoderIntermediateSize = 40,
        MaskRatio = 0.5,
    };

    public static MaeConfig Patch8NormPix { get; } = Patch8 with { NormPixLoss = true };

    public static MaeConfig ByName(string name) => name switch
    {
        nameof(Patch16) => Patch16,
        nameof(Patch8) => Patch8,
        nameof(Patch8NormPix) => Patch8NormPix,
        _ => throw new ArgumentException(name),
    };

    /// <summary>Normalised-looking pixels: a smooth pattern plus seeded noise, roughly in [−2, 2.5].</summary>
    public static float[] Pixels(MaeConfig config, int seed)
    {
        var random = new Random(seed);
        var s = config.ImageSize;
        var pixels = new float[config.NumChannels * s * s];
        for (var c = 0; c < config.NumChannels; c++)
        {
            for (var y = 0; y < s; y++)
            {
                for (var x = 0; x < s; x++)
                {
                    var smooth = MathF.Sin((x + (3 * c)) * 0.3f) * MathF.Cos(y * 0.2f);
                    pixels[(((c * s) + y) * s) + x] = (1.5f * smooth) + (float)(random.NextDouble() - 0.5);
                }
            }
        }
        return pixels;
    }

    public static double[] Noise(int patches, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, patches).Select(_ => random.NextDouble()).ToArray();
    }
}
