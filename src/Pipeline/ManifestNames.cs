using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>How job.json spells the options that change a job's results, and how it is read back.</summary>
public static class ManifestNames
{
    public static string Of(Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Fp16 => "fp16",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision"),
    };

    public static string Of(EmbeddingPool pool) => pool switch
    {
        EmbeddingPool.Cls => "cls",
        EmbeddingPool.Mean => "mean",
        _ => throw new ArgumentOutOfRangeException(nameof(pool), pool, "unknown pooling"),
    };

    public static string Of(NpyElementType type) => type switch
    {
        NpyElementType.Fp32 => "float32",
        NpyElementType.Fp16 => "float16",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type"),
    };

    /// <summary>The precision job.json records.</summary>
    /// <exception cref="InvalidDataException">The manifest names no precision this version knows.</exception>
    public static Precision PrecisionOf(JobManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Precision switch
        {
            "fp32" => Precision.Fp32,
            "fp16" => Precision.Fp16,
            var other => throw new InvalidDataException($"job.json names precision '{other}'; expected fp32 or fp16."),
        };
    }

    /// <summary>The element type of the img_emb files job.json records.</summary>
    /// <exception cref="InvalidDataException">The manifest names no dtype this version knows.</exception>
    public static NpyElementType EmbeddingTypeOf(JobManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.EmbeddingDtype switch
        {
            "float32" => NpyElementType.Fp32,
            "float16" => NpyElementType.Fp16,
            var other => throw new InvalidDataException($"job.json names embedding dtype '{other}'; expected float32 or float16."),
        };
    }
}
