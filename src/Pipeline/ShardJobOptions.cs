using System.ComponentModel.DataAnnotations;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>What a shard job reads, writes and keeps, apart from how the model runs (engine options).</summary>
public sealed class ShardJobOptions
{
    /// <summary>Input location: a local folder or blob prefix holding *.tar shards or loose images.</summary>
    [Required]
    public string Input { get; set; } = "";

    /// <summary>Output location (local folder or blob prefix).</summary>
    [Required]
    public string Output { get; set; } = "";

    /// <summary>Loose images per shard (WebDataset tars are shards already).</summary>
    [Range(1, 1_000_000)]
    public int ShardSize { get; set; } = 1000;

    /// <summary>What the job computes: embeddings, the loss, or both (the default).</summary>
    public ResultOutputs Outputs { get; set; } = ResultOutputs.All;

    public EmbeddingPool Pool { get; set; } = EmbeddingPool.Cls;

    public NpyElementType EmbeddingType { get; set; } = NpyElementType.Fp32;

    /// <summary>Also write each image's 0/1 mask into the metadata.</summary>
    public bool SaveMask { get; set; }

    /// <summary>Also write each image's final hidden states, [N, 1 + patches, hidden] float16, into patch_tokens/.</summary>
    public bool SavePatchTokens { get; set; }

    /// <summary>Shards processed at once: one decoding while another runs the model and a third uploads.</summary>
    [Range(1, 64)]
    public int ShardsInFlight { get; set; } = 2;

    /// <summary>Largest image (or tar member) accepted, in bytes.</summary>
    [Range(1, long.MaxValue)]
    public long MaxImageBytes { get; set; } = 64L * 1024 * 1024;

    /// <exception cref="ValidationException">An option is out of range, or the options ask for something they do not compute.</exception>
    public void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
        if (OutputProblems(Outputs, Pool, SaveMask, SavePatchTokens) is [var first, ..])
        {
            throw new ValidationException(first);
        }
    }

    /// <summary>
    /// Why these output choices do not fit together (empty when they do): the one place that says which option needs
    /// which output, for the pipeline, the job spec and the command line alike.
    /// </summary>
    public static IReadOnlyList<string> OutputProblems(ResultOutputs outputs, EmbeddingPool pool, bool saveMask, bool savePatchTokens)
    {
        var problems = new List<string>();
        if (outputs == ResultOutputs.None || (outputs & ~ResultOutputs.All) != 0)
        {
            problems.Add($"Outputs must be embeddings, loss or both (was {(int)outputs}).");
            return problems;
        }
        var embeddings = outputs.HasFlag(ResultOutputs.Embeddings);
        if (!embeddings && pool != EmbeddingPool.Cls)
        {
            problems.Add($"Pool {ManifestNames.Of(pool)} chooses an embedding, but the outputs do not include embeddings.");
        }
        if (!embeddings && savePatchTokens)
        {
            problems.Add("Saving the patch tokens needs the embeddings among the outputs: they come from the same encoder pass.");
        }
        if (!outputs.HasFlag(ResultOutputs.Loss) && saveMask)
        {
            problems.Add("Saving the mask needs the loss among the outputs: the mask is what the loss is computed over.");
        }
        return problems;
    }
}
