namespace Mae.Cluster.Grains;

/// <summary>How one run of a shard on a device ended: its counts, or why it failed, or that it was cancelled.</summary>
[GenerateSerializer, Immutable, Alias("mae.ShardRunOutcome")]
public sealed record ShardRunOutcome([property: Id(0)] ShardResult? Result, [property: Id(1)] string? Error, [property: Id(2)] bool Cancelled)
{
    public static ShardRunOutcome Succeeded(ShardResult result) => new(result, null, false);

    public static ShardRunOutcome Failed(string error) => new(null, error, false);

    public static readonly ShardRunOutcome WasCancelled = new(null, null, true);
}
