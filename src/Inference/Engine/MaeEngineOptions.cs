using System.ComponentModel.DataAnnotations;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Inference.Engine;

/// <summary>How an engine runs: checkpoint, device, precision, graph emission, batching, threads and masking.</summary>
public sealed class MaeEngineOptions
{
    /// <summary>A local checkpoint folder in the Hugging Face layout (resolve model names first).</summary>
    [Required]
    public string ModelDirectory { get; set; } = "";

    /// <summary>Where built ONNX graphs are cached.</summary>
    [Required]
    public string GraphCacheDirectory { get; set; } = "";

    public ExecutionDevice Device { get; set; } = ExecutionDevice.Cpu;

    public Precision Precision { get; set; } = Precision.Fp32;

    /// <summary>Which operators the graphs are built with (docs/model.md, "Emission"); the results agree either way.</summary>
    public GraphEmission Emission { get; set; } = GraphEmission.Fused;

    [Range(1, 4096)]
    public int BatchSize { get; set; } = 32;

    /// <summary>ONNX Runtime intra-op threads; 0 = one per physical core.</summary>
    [Range(0, 1024)]
    public int InferenceThreads { get; set; }

    /// <summary>Threads decoding and preprocessing images while the previous batch runs.</summary>
    [Range(1, 1024)]
    public int DecodeThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Job seed: with the image key it fixes each image's mask.</summary>
    public long Seed { get; set; }

    /// <summary>Fraction of patches removed for the loss; null takes the checkpoint's mask_ratio.</summary>
    [Range(0.0, 0.99)]
    public double? MaskRatio { get; set; }

    /// <summary>How JPEGs are decoded (docs/preprocessing.md); the default reproduces Pillow's pixels exactly.</summary>
    public ImageDecodeMode DecodeMode { get; set; } = ImagePreprocessor.DefaultDecodeMode;

    /// <summary>Run the features graph: CLS and mean embeddings.</summary>
    public bool ComputeEmbeddings { get; set; } = true;

    /// <summary>Run the reconstruction graph: the loss and the mask.</summary>
    public bool ComputeLoss { get; set; } = true;

    /// <summary>Also return each image's final hidden states (<see cref="ImageResult.PatchTokens"/>); needs <see cref="ComputeEmbeddings"/>.</summary>
    public bool KeepPatchTokens { get; set; }

    public void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        if (!ComputeEmbeddings && !ComputeLoss)
        {
            throw new ValidationException("Nothing to compute: enable embeddings, loss or both.");
        }
        if (KeepPatchTokens && !ComputeEmbeddings)
        {
            throw new ValidationException("The patch tokens come from the features graph: keeping them needs the embeddings computed.");
        }
    }
}
