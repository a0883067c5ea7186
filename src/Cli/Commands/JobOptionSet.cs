using System.CommandLine;
using System.Globalization;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli.Commands;

/// <summary>
/// The options that describe a job (what it computes and how strictly it treats failures), shared by <c>mae run</c>
/// and <c>mae submit</c> so both read, validate and turn them into a <see cref="JobSpec"/> the same way.
/// </summary>
internal sealed class JobOptionSet
{
    public JobOptionSet(string batchSizeDescription, string precisionDescription, Inference.Onnx.Precision? defaultPrecision)
    {
        BatchSize = new Option<int?>("--batch-size", "-b") { Description = batchSizeDescription };
        BatchSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } v and (< 1 or > 4096))
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"--batch-size must be between 1 and 4096 (got {v})."));
            }
        });
        Precision = CommonOptions.Precision(precisionDescription, defaultPrecision);
        ShardSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var v and (< 1 or > 1_000_000))
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"--shard-size must be between 1 and 1,000,000 (got {v})."));
            }
        });
        MaxAttempts.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var v and (< 1 or > 63))
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"--max-attempts must be between 1 and 63 (got {v})."));
            }
        });
        foreach (var budget in new[] { MaxFailedImages, MaxFailedShards })
        {
            budget.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<long?>() is < 0 and var v)
                {
                    r.AddError(string.Create(CultureInfo.InvariantCulture, $"{budget.Name} must not be negative (got {v})."));
                }
            });
        }
    }

    public Argument<string> Input { get; } = new("input") { Description = "Folder or blob URI (https://…, az://container/prefix) with *.tar shards or loose images." };
    public Option<string> Output { get; } = new("--output", "-o") { Description = "Folder or blob URI for img_emb/ (and mean_emb/, patch_tokens/ when asked for), metadata/, failures/, job.json and _SUCCESS.", Required = true };
    public Option<string> Model { get; } = CommonOptions.Model();
    public Option<string> Revision { get; } = CommonOptions.Revision();
    public Option<long> Seed { get; } = CommonOptions.Seed();
    public Option<double?> MaskRatio { get; } = CommonOptions.MaskRatio();
    public Option<int?> BatchSize { get; }
    public ChoiceOption<Inference.Onnx.Precision> Precision { get; }
    public Option<int> ShardSize { get; } = new("--shard-size") { Description = "Loose images per shard.", DefaultValueFactory = _ => 1000 };
    public OutputsOption Outputs { get; } = CommonOptions.Outputs();
    public ChoiceOption<EmbeddingPooling> Pool { get; } = new("--pool",
        "Embedding written to img_emb: the CLS token or the mean of the patch tokens; both writes CLS to img_emb and the mean to mean_emb, row for row.",
        EmbeddingPooling.Cls, [("cls", EmbeddingPooling.Cls), ("mean", EmbeddingPooling.Mean), ("both", EmbeddingPooling.Both)]);
    public Option<bool> SavePatchTokens { get; } = new("--save-patch-tokens")
    {
        Description = "Also write each image's final hidden states (CLS first, then every patch) to patch_tokens/ as float16 [N, 1 + L, D]: " +
                      "(1 + L) × D × 2 bytes an image, 302,592 bytes (≈ 296 KiB) for vit-mae-base (197 × 768), ≈ 282 GiB per million images.",
    };
    public Option<bool> SaveMask { get; } = new("--save-mask") { Description = "Also write each image's mask (one 0/1 per patch) into the metadata." };
    public ChoiceOption<EmbeddingDType> EmbeddingDType { get; } = new("--emb-dtype", "Element type of the embeddings in img_emb.",
        Grains.EmbeddingDType.Float32, [("float32", Grains.EmbeddingDType.Float32), ("float16", Grains.EmbeddingDType.Float16)]);
    public Option<int> MaxAttempts { get; } = new("--max-attempts") { Description = "Attempts per shard before it is marked failed and the job goes on.", DefaultValueFactory = _ => 3 };
    public Option<long?> MaxFailedImages { get; } = new("--max-failed-images") { Description = "Fail the job once more images than this have failed (default: no limit)." };
    public Option<long?> MaxFailedShards { get; } = new("--max-failed-shards") { Description = "Fail the job once more shards than this have failed (default: no limit)." };
    public Option<bool> Repair { get; } = new("--repair")
    {
        Description = "First read back every committed shard of OUTPUT (as 'mae verify' does) and recompute those whose files are unreadable or inconsistent.",
    };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Arguments.Add(Input);
        foreach (var option in new Option[]
                 {
                     Output, Model, Revision, Seed, MaskRatio, BatchSize, Precision.Option, ShardSize, Outputs.Option, Pool.Option, SaveMask, SavePatchTokens,
                     EmbeddingDType.Option,
                     MaxAttempts, MaxFailedImages, MaxFailedShards, Repair,
                 })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The job the options describe; <paramref name="model"/> replaces <c>--model</c> where the caller resolved it.</summary>
    public JobSpec ToSpec(ParseResult parse, string? model = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new JobSpec
        {
            Input = AbsoluteIfLocal(parse.GetValue(Input)!),
            Output = AbsoluteIfLocal(parse.GetValue(Output)!),
            Model = model ?? parse.GetValue(Model)!,
            Revision = parse.GetValue(Revision)!,
            Seed = parse.GetValue(Seed),
            MaskRatio = parse.GetValue(MaskRatio),
            ShardSize = parse.GetValue(ShardSize),
            Outputs = Outputs.ValueOf(parse),
            Pool = Pool.ValueOf(parse),
            SaveMask = parse.GetValue(SaveMask),
            SavePatchTokens = parse.GetValue(SavePatchTokens),
            EmbeddingDType = EmbeddingDType.ValueOf(parse),
            Precision = Precision.ValueOrNull(parse)?.ToContract(),
            BatchSize = parse.GetValue(BatchSize),
            MaxShardAttempts = parse.GetValue(MaxAttempts),
            MaxFailedImages = parse.GetValue(MaxFailedImages),
            MaxFailedShards = parse.GetValue(MaxFailedShards),
        };
    }

    /// <summary>
    /// A relative local path means the caller's working folder; silos run elsewhere, so the spec carries it absolute.
    /// URIs (scheme://…) pass unchanged.
    /// </summary>
    public static string AbsoluteIfLocal(string location) =>
        string.IsNullOrWhiteSpace(location) || location.Contains("://", StringComparison.Ordinal) || location.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            ? location
            : Path.GetFullPath(location);

}
