namespace Mae.Cluster.Grains;

/// <summary>
/// A partition's cumulative counts. Cumulative (not deltas) with a version that only grows (clock ticks, across the
/// partition's activations too), so the job can apply reports in any order, twice, or after a lost one, and always
/// end with the newest — which makes one-way delivery safe.
/// </summary>
[GenerateSerializer, Immutable, Alias("mae.PartitionSummary")]
public sealed record PartitionSummary
{
    [Id(0)] public required int Partition { get; init; }
    [Id(1)] public long Version { get; init; }
    [Id(2)] public int Shards { get; init; }
    [Id(3)] public int Pending { get; init; }
    [Id(4)] public int Leased { get; init; }
    [Id(5)] public int Done { get; init; }
    [Id(6)] public int Failed { get; init; }
    [Id(7)] public long Images { get; init; }
    [Id(8)] public long FailedImages { get; init; }
    [Id(9)] public long InputBytes { get; init; }

    /// <summary>When the earliest current lease runs out (a shard may then be leased again); null without leases.</summary>
    [Id(10)] public DateTimeOffset? EarliestLeaseExpiry { get; init; }

    /// <summary>Of <see cref="Done"/>, the shards an earlier run had committed, and their images.</summary>
    [Id(11)] public int AlreadyCommitted { get; init; }
    [Id(12)] public long AlreadyCommittedImages { get; init; }

    public bool IsFinished => Done + Failed == Shards;

    /// <summary>What the job assumes of a partition it has not heard from: every shard still pending.</summary>
    public static PartitionSummary Untouched(int partition, int shards) => new() { Partition = partition, Version = -1, Shards = shards, Pending = shards };
}
