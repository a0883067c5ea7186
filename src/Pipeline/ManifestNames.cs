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
        EmbeddingPool.Both => "both",
        _ => throw new ArgumentOutOfRangeException(nameof(pool), pool, "unknown pooling"),
    };

    public static string Of(NpyElementType type) => type switch
    {
        NpyElementType.Fp32 => "float32",
        NpyElementType.Fp16 => "float16",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type"),
    };

    /// <summary>job.json's name of the embeddings output.</summary>
    public const string Embeddings = "embeddings";

    /// <summary>job.json's name of the loss output.</summary>
    public const string Loss = "loss";

    /// <summary>job.json's list of outputs: <c>["embeddings", "loss"]</c>, or one of them.</summary>
    public static IReadOnlyList<string> Of(ResultOutputs outputs)
    {
        var names = new List<string>(2);
        if (outputs.HasFlag(ResultOutputs.Embeddings))
        {
            names.Add(Embeddings);
        }
        if (outputs.HasFlag(ResultOutputs.Loss))
        {
            names.Add(Loss);
        }
        return names;
    }

    /// <summary>The outputs job.json records; one written before outputs could be chosen (no list) computed both.</summary>
    /// <exception cref="InvalidDataException">The manifest names an output this version does not know.</exception>
    public static ResultOutputs OutputsOf(JobManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Outputs is null)
        {
            return ResultOutputs.All;
        }
        var outputs = ResultOutputs.None;
        foreach (var name in manifest.Outputs)
        {
            outputs |= name switch
            {
                Embeddings => ResultOutputs.Embeddings,
                Loss => ResultOutputs.Loss,
                var other => throw new InvalidDataException($"job.json names output '{other}'; expected embeddings or loss."),
            };
        }
        return outputs;
    }

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

    /// <summary>The element type job.json spells <paramref name="dtype"/>.</summary>
    /// <exception cref="InvalidDataException">No dtype this version knows.</exception>
    public static NpyElementType ElementTypeOf(string dtype) => dtype switch
    {
        "float32" => NpyElementType.Fp32,
        "float16" => NpyElementType.Fp16,
        var other => throw new InvalidDataException($"job.json names dtype '{other}'; expected float32 or float16."),
    };
}
