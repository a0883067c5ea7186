using System.Text.Json.Serialization;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>One .npy folder of a job's output, as job.json describes it: what each row holds, its dtype and its shape.</summary>
/// <param name="Holds">What a row is: <c>cls</c>, <c>mean</c> or <c>last_hidden_state</c> (CLS token first).</param>
/// <param name="DType">numpy's name of the element type: <c>float32</c> or <c>float16</c>.</param>
/// <param name="RowShape">The shape of one image's row: [hidden], or [1 + patches, hidden] for the hidden states.</param>
public sealed record ResultArray(
    [property: JsonPropertyName("holds")] string Holds,
    [property: JsonPropertyName("dtype")] string DType,
    [property: JsonPropertyName("row_shape")] IReadOnlyList<int> RowShape)
{
    /// <summary>The .npy element type of <see cref="DType"/>.</summary>
    /// <exception cref="InvalidDataException">The dtype is not one this version writes.</exception>
    public NpyElementType ElementType => ManifestNames.ElementTypeOf(DType);

    /// <summary>This array's values for one image.</summary>
    public float[] ValuesOf(ImageResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Holds switch
        {
            ResultArrays.Cls => result.ClsEmbedding,
            ResultArrays.Mean => result.MeanEmbedding,
            ResultArrays.LastHiddenState => result.PatchTokens,
            _ => throw new InvalidDataException($"job.json names an array holding '{Holds}'; expected cls, mean or last_hidden_state."),
        };
    }
}

/// <summary>
/// Which .npy folders a job writes, one file per shard in each, rows in metadata order: <c>img_emb/</c> (the pooled
/// embedding clip-retrieval readers expect; CLS unless pool is mean), <c>mean_emb/</c> (pool both) and
/// <c>patch_tokens/</c> (--save-patch-tokens). A loss-only job writes none. Written into job.json, so a reader (and
/// <c>mae verify</c>) learns from the output itself which folder holds which.
/// </summary>
public static class ResultArrays
{
    public const string ImageEmbeddings = "img_emb";
    public const string MeanEmbeddings = "mean_emb";
    public const string PatchTokens = "patch_tokens";

    public const string Cls = "cls";
    public const string Mean = "mean";
    public const string LastHiddenState = "last_hidden_state";

    /// <summary>The folders <paramref name="options"/> write for a model of <paramref name="hidden"/> width over <paramref name="patches"/> patches, in file order.</summary>
    public static IReadOnlyDictionary<string, ResultArray> For(ShardJobOptions options, int hidden, int patches)
    {
        ArgumentNullException.ThrowIfNull(options);
        var arrays = new Dictionary<string, ResultArray>(StringComparer.Ordinal);
        if (!options.Outputs.HasFlag(ResultOutputs.Embeddings))
        {
            return arrays;
        }
        var dtype = ManifestNames.Of(options.EmbeddingType);
        int[] embedding = [hidden];
        arrays[ImageEmbeddings] = new ResultArray(options.Pool == EmbeddingPool.Mean ? Mean : Cls, dtype, embedding);
        if (options.Pool == EmbeddingPool.Both)
        {
            arrays[MeanEmbeddings] = new ResultArray(Mean, dtype, embedding);
        }
        if (options.SavePatchTokens)
        {
            arrays[PatchTokens] = new ResultArray(LastHiddenState, ManifestNames.Of(NpyElementType.Fp16), [patches + 1, hidden]);
        }
        return arrays;
    }

    /// <summary>The folders an output's job.json describes; a job.json from before 0.2 (no <c>npy_folders</c>) had img_emb alone.</summary>
    public static IReadOnlyDictionary<string, ResultArray> Of(JobManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.NpyFolders ?? new Dictionary<string, ResultArray>(StringComparer.Ordinal)
        {
            [ImageEmbeddings] = new(manifest.Pool, manifest.EmbeddingDtype, [manifest.EmbeddingDim]),
        };
    }

    /// <summary>Bytes per image of the patch tokens for a model of <paramref name="config"/>'s shape (float16).</summary>
    public static long PatchTokenBytesPerImage(MaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return (config.NumPatches + 1L) * config.HiddenSize * NpyHeader.ElementSize(NpyElementType.Fp16);
    }
}
