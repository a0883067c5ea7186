using System.CommandLine;
using System.Globalization;
using Mae.Cluster.Grains;
using Mae.Cluster.Pipeline;

namespace Mae.Cluster.Client.Commands;

/// <summary>
/// The options that describe a job (what it computes and how strictly it treats failures), shared by <c>mae run</c>
/// and <c>mae submit</c> so both read, validate and turn them into a <see cref="JobSpec"/> the same way.
/// </summary>
internal sealed class JobOptionSet
{
    public JobOptionSet(string batchSizeDescription, string precisionDescription)
    {
        BatchSize = new Option<int?>("--batch-size", "-b") { Description = batchSizeDescription };
        BatchSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } v and (< 1 or > 4096))
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"--batch-size must be between 1 and 4096 (got {v})."));
            }
        });
        Precision = new Option<string?>("--precision") { Description = precisionDescription };
        Precision.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } v && NormalizePrecision(v) is null)
            {
                r.AddError($"Unknown precision '{v}': use fp32 or fp16.");
            }
        });
        ShardSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var v and (< 1 or > 1_000_000))
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"--shard-size must be between 1 and 1,000,000 (got {v})."));
            }
        });
        EmbeddingDType.AcceptOnlyFromAmong("float32", "float16");
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
    public Option<string> Output { get; } = new("--output", "-o") { Description = "Folder or blob URI for img_emb/, metadata/, failures/, job.json and _SUCCESS.", Required = true };
    public Option<string> Model { get; } = CommonOptions.Model();
    public Option<string> Revision { get; } = CommonOptions.Revision();
    public Option<long> Seed { get; } = CommonOptions.Seed();
    public Option<double?> MaskRatio { get; } = CommonOptions.MaskRatio();
    public Option<int?> BatchSize { get; }
    public Option<string?> Precision { get; }
    public Option<int> ShardSize { get; } = new("--shard-size") { Description = "Loose images per shard.", DefaultValueFactory = _ => 1000 };
    public Option<string> Pool { get; } = new("--pool")
    {
        Description = "Embedding written to img_emb: cls (default) or mean of the patch tokens.",
        HelpName = "cls|mean",
        DefaultValueFactory = _ => "cls",
        CustomParser = r => r.Tokens[0].Value.Trim().ToLowerInvariant() is var v && v is "cls" or "mean" ? v : Refuse(r, $"Unknown pool '{r.Tokens[0].Value}': use cls or mean."),
    };
    public Option<bool> SaveMask { get; } = new("--save-mask") { Description = "Also write each image's mask (one 0/1 per patch) into the metadata." };
    public Option<string> EmbeddingDType { get; } = new("--emb-dtype") { Description = "float32 (default) or float16 embeddings in img_emb.", DefaultValueFactory = _ => "float32" };
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
                     Output, Model, Revision, Seed, MaskRatio, BatchSize, Precision, ShardSize, Pool, SaveMask, EmbeddingDType,
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
            Pool = parse.GetValue(Pool)!,
            SaveMask = parse.GetValue(SaveMask),
            EmbeddingDType = parse.GetValue(EmbeddingDType)!,
            Precision = parse.GetValue(Precision) is { } precision ? NormalizePrecision(precision) : null,
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

    private static string Refuse(System.CommandLine.Parsing.ArgumentResult result, string error)
    {
        result.AddError(error);
        return "";
    }

    private static string? NormalizePrecision(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => "fp32",
        "fp16" or "float16" => "fp16",
        _ => null,
    };
}
