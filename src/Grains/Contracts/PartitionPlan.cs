namespace Mae.Cluster.Grains;

/// <summary>
/// Which shards one partition owns (<see cref="FirstShard"/> .. +<see cref="ShardCount"/>) and how often a shard may
/// be tried. The job derives it from its shard count, so a partition can initialise itself from the first call.
/// </summary>
[GenerateSerializer, Immutable, Alias("mae.PartitionPlan")]
public sealed record PartitionPlan(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Partition,
    [property: Id(2)] int FirstShard,
    [property: Id(3)] int ShardCount,
    [property: Id(4)] int MaxAttempts)
{
    /// <summary>The partition grain's key: "{job}/{partition}".</summary>
    public string GrainKey => PartitionKeys.Of(JobId, Partition);
}
