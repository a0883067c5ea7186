using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>Small architectures for fast tests; golden/mae_golden.py knows the first two by the same numbers.</summary>
public static class ReferenceTestConfigs
{
    /// <summary>32×32 image, patch 8 (L = 16), hidden 32 / 2 layers / 4 heads, decoder 16 / 2 layers / 2 heads.</summary>
    public static MaeConfig Small { get; } = new()
    {
        ImageSize = 32,
        PatchSize = 8,
        NumChannels = 3,
        HiddenSize = 32,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        IntermediateSize = 64,
        DecoderHiddenSize = 16,
        DecoderNumHiddenLayers = 2,
        DecoderNumAttentionHeads = 2,
        DecoderIntermediateSize = 32,
        LayerNormEps = 1e-12,
        MaskRatio = 0.75,
    };

    /// <summary>48×48 image, patch 16 (L = 9, odd), hidden 24 / 1 layer / 3 heads, eps 1e-6, mask ratio 0.5.</summary>
    public static MaeConfig WidePatch { get; } = new()
    {
        ImageSize = 48,
        PatchSize = 16,
        NumChannels = 3,
        HiddenSize = 24,
        NumHiddenLayers = 1,
        NumAttentionHeads = 3,
        IntermediateSize = 48,
        DecoderHiddenSize = 20,
        DecoderNumHiddenLayers = 1,
        DecoderNumAttentionHeads = 4,
        DecoderIntermediateSize = 40,
        LayerNormEps = 1e-6,
        MaskRatio = 0.5,
    };

    /// <summary>Base geometry (224/16, 197 tokens) with a narrow model: hidden 64, 2 + 2 layers.</summary>
    public static MaeConfig NarrowBaseGeometry { get; } = new()
    {
        HiddenSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        IntermediateSize = 256,
        DecoderHiddenSize = 32,
        DecoderNumHiddenLayers = 2,
        DecoderNumAttentionHeads = 4,
        DecoderIntermediateSize = 128,
    };
}
