using System.ComponentModel.DataAnnotations;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Grains.Execution;

/// <summary>How this silo runs the model (section <c>Mae:Inference</c>); the job spec says what to compute.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Mae:Inference";

    [Range(1, 4096)]
    public int BatchSize { get; set; } = 32;

    public Precision Precision { get; set; } = Precision.Fp32;

    /// <summary>Which operators the graphs are built with (docs/model.md, "Emission"); results agree either way, so jobs do not record it.</summary>
    public GraphEmission Emission { get; set; } = GraphEmission.Fused;

    /// <summary>Where exported ONNX graphs are cached between runs; null means the model cache's (<c>$MAE_HOME/graphs</c>), as the CLI uses.</summary>
    public string? GraphCacheDirectory { get; set; }

    /// <summary>Threads of one model call on the CPU; 0 = one per physical core.</summary>
    [Range(0, 1024)]
    public int InferenceThreads { get; set; }

    /// <summary>Threads decoding and preprocessing images while the model runs, per device.</summary>
    [Range(1, 1024)]
    public int DecodeThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>How JPEGs are decoded; the default gives Pillow's exact pixels.</summary>
    public ImageDecodeMode DecodeMode { get; set; } = ImagePreprocessor.DefaultDecodeMode;
}
