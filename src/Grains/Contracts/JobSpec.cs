using System.Globalization;

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

    /// <summary>Model name or local checkpoint folder.</summary>
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
