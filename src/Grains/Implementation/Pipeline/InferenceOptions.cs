using System.ComponentModel.DataAnnotations;
using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Grains.Pipeline;

/// <summary>How this silo runs the model (section <c>Mae:Inference</c>); the job spec says what to compute.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Mae:Inference";

    [Range(1, 4096)]
    public int BatchSize { get; set; } = 32;

    public Precision Precision { get; set; } = Precision.Fp32;

    /// <summary>Where exported ONNX graphs are cached between runs.</summary>
    [Required]
    public string GraphCacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "mae-graphs");
}
