namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// The architecture of a ViT-MAE checkpoint, as Hugging Face's <c>config.json</c> states it.
/// Defaults are those of <c>facebook/vit-mae-base</c>.
/// </summary>
public sealed record MaeConfig
{
    public int HiddenSize { get; init; } = 768;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int IntermediateSize { get; init; } = 3072;
    public string HiddenAct { get; init; } = "gelu";
    public double LayerNormEps { get; init; } = 1e-12;
    public int ImageSize { get; init; } = 224;
    public int PatchSize { get; init; } = 16;
    public int NumChannels { get; init; } = 3;
    public bool QkvBias { get; init; } = true;
    public int DecoderHiddenSize { get; init; } = 512;
    public int DecoderNumHiddenLayers { get; init; } = 8;
    public int DecoderNumAttentionHeads { get; init; } = 16;
    public int DecoderIntermediateSize { get; init; } = 2048;
    public double MaskRatio { get; init; } = 0.75;
    public bool NormPixLoss { get; init; }

    /// <summary>Patches along one side of the (square) image.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Number of patches L (196 for base).</summary>
    public int NumPatches => GridSize * GridSize;

    /// <summary>Values in one patch: p·p·C (768 for base).</summary>
    public int PatchDim => PatchSize * PatchSize * NumChannels;

    /// <summary>Patches the encoder keeps at a mask ratio: int(L·(1−ratio)), as Hugging Face computes it.</summary>
    public int KeptPatches(double maskRatio) => (int)(NumPatches * (1 - maskRatio));

    /// <summary>vit-mae-base's architecture (the defaults).</summary>
    public static MaeConfig Base { get; } = new();
}
