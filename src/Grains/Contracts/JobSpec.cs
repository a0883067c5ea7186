using System.Globalization;
using Mae.Cluster.Pipeline;

namespace Mae.Cluster.Grains;

/// <summary>
/// What a job computes and how strictly it treats failures. Everything that changes the output is here; how the
/// model runs on a silo (device, batch size, precision) belongs to the silo, not the job.
/// </summary>
[GenerateSerializer, Immutable, Alias("mae.JobSpec")]
public sealed record JobSpec
{
    /// <summary>Input location: a local folder or blob prefix holding *.tar shards or loose images.</summary>
    [Id(0)] public required string Input { get; init; }

    /// <summary>Output location: a local folder or blob prefix.</summary>
    [Id(1)] public required string Output { get; init; }

    /// <summary>
    /// Model: a checkpoint folder every silo can read, <c>tiny</c> / <c>base-random</c> (seeded random checkpoints
    /// each silo generates identically) or a Hugging Face model id each silo downloads into its cache.
    /// </summary>
    [Id(2)] public string Model { get; init; } = "facebook/vit-mae-base";

    /// <summary>Seed of the per-image random masks.</summary>
    [Id(3)] public long Seed { get; init; }

    /// <summary>Loose images per shard (WebDataset tars are shards already).</summary>
    [Id(4)] public int ShardSize { get; init; } = 1000;

    /// <summary>Attempts before a shard is marked failed and the job goes on without it.</summary>
    [Id(5)] public int MaxShardAttempts { get; init; } = 3;

    /// <summary>The job fails once more shards than this have failed; null means no limit.</summary>
    [Id(6)] public long? MaxFailedShards { get; init; }

    /// <summary>The job fails once more images than this have failed; null means no limit.</summary>
    [Id(7)] public long? MaxFailedImages { get; init; }

    /// <summary>Hub revision (branch, tag or commit) when <see cref="Model"/> is a model id.</summary>
    [Id(8)] public string Revision { get; init; } = "main";

    /// <summary>Fraction of patches hidden for the loss; null means the checkpoint's own (0.75 for vit-mae-base).</summary>
    [Id(9)] public double? MaskRatio { get; init; }

    /// <summary>Embedding written to img_emb: the CLS token or the mean of the patch tokens; both adds mean_emb.</summary>
    [Id(10)] public EmbeddingPooling Pool { get; init; } = EmbeddingPooling.Cls;

    /// <summary>Also write each image's 0/1 mask into the metadata.</summary>
    [Id(11)] public bool SaveMask { get; init; }

    /// <summary>Element type of the img_emb files.</summary>
    [Id(12)] public EmbeddingDType EmbeddingDType { get; init; } = EmbeddingDType.Float32;

    /// <summary>
    /// The model's precision; null means the precision configured on the silo that enumerates the job, which is then
    /// written into job.json and used by every silo, so all shards of a job are computed alike.
    /// </summary>
    [Id(13)] public ModelPrecision? Precision { get; init; }

    /// <summary>Images per model call; null means each silo's configured batch size. Does not change the results.</summary>
    [Id(14)] public int? BatchSize { get; init; }

    /// <summary>What the job computes: embeddings, the loss, or both (the default); each runs only the graph it needs.</summary>
    [Id(15)] public JobOutputs Outputs { get; init; } = JobOutputs.Embeddings | JobOutputs.Loss;

    /// <summary>Also write each image's final hidden states, [1 + patches, hidden] float16, into patch_tokens/.</summary>
    [Id(16)] public bool SavePatchTokens { get; init; }

    /// <summary>
    /// The problems that make this spec unusable, each naming the field at fault; empty when the spec is usable.
    /// Only checks that need no I/O: a missing input is found when the input is enumerated.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Input))
        {
            problems.Add("Input is required: a folder or blob URI holding *.tar shards or images.");
        }
        if (string.IsNullOrWhiteSpace(Output))
        {
            problems.Add("Output is required: a folder or blob URI for the results.");
        }
        if (string.IsNullOrWhiteSpace(Model))
        {
            problems.Add("Model is required: a Hugging Face model id or a checkpoint folder.");
        }
        if (ShardSize is < 1 or > 1_000_000)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"ShardSize must be between 1 and 1,000,000 (was {ShardSize})."));
        }
        if (string.IsNullOrWhiteSpace(Revision))
        {
            problems.Add("Revision must not be empty (use 'main' for the default branch).");
        }
        if (MaskRatio is { } ratio && !(ratio > 0 && ratio < 1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaskRatio must be strictly between 0 and 1 (was {ratio})."));
        }
        if (!Enum.IsDefined(Pool))
        {
            problems.Add($"Pool must be Cls, Mean or Both (was {(int)Pool}).");
        }
        else
        {
            problems.AddRange(ShardJobOptions.OutputProblems(this.OutputsToPipeline(), this.PoolToPipeline(), SaveMask, SavePatchTokens));
        }
        if (!Enum.IsDefined(EmbeddingDType))
        {
            problems.Add($"EmbeddingDType must be Float32 or Float16 (was {(int)EmbeddingDType}).");
        }
        if (Precision is { } precision && !Enum.IsDefined(precision))
        {
            problems.Add($"Precision must be Fp32 or Fp16 (was {(int)precision}).");
        }
        if (BatchSize is < 1 or > 4096)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"BatchSize must be between 1 and 4096 (was {BatchSize})."));
        }
        if (MaxShardAttempts is < 1 or > 63)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxShardAttempts must be between 1 and 63 (was {MaxShardAttempts})."));
        }
        if (MaxFailedShards < 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxFailedShards must not be negative (was {MaxFailedShards})."));
        }
        if (MaxFailedImages < 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxFailedImages must not be negative (was {MaxFailedImages})."));
        }
        return problems;
    }
}
