namespace Mae.Cluster.Grains;

/// <summary>Where one shard stands in its partition's books (the same numbers as the partition's internal slot status).</summary>
[GenerateSerializer, Alias("mae.ShardState")]
public enum ShardState
{
    Pending = 0,
    Leased = 1,
    Done = 2,
    Failed = 3,
}
