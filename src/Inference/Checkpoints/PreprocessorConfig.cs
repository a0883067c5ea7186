namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// Hugging Face <c>preprocessor_config.json</c> for <c>ViTImageProcessor</c>. Defaults are vit-mae-base's.
/// </summary>
public sealed record PreprocessorConfig
{
    public bool DoResize { get; init; } = true;
    public int Height { get; init; } = 224;
    public int Width { get; init; } = 224;
    /// <summary>PIL resample filter id; 2 = BILINEAR (the only one supported).</summary>
    public int Resample { get; init; } = 2;
    public bool DoRescale { get; init; } = true;
    public double RescaleFactor { get; init; } = 1.0 / 255.0;
    public bool DoNormalize { get; init; } = true;
    public IReadOnlyList<float> ImageMean { get; init; } = [0.485f, 0.456f, 0.406f];
    public IReadOnlyList<float> ImageStd { get; init; } = [0.229f, 0.224f, 0.225f];

    public static PreprocessorConfig Default { get; } = new();
}
