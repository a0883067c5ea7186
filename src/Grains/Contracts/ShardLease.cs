namespace Mae.Cluster.Grains;

/// <summary>
/// A worker's right to process one shard until <see cref="ExpiresAt"/> (renewable). The lease id makes renewals,
/// completions and failures from a worker whose lease has since expired recognisable.
/// </summary>
[GenerateSerializer, Immutable, Alias("mae.ShardLease")]
public sealed record ShardLease(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Partition,
    [property: Id(2)] int Shard,
    [property: Id(3)] Guid LeaseId,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] int Attempt)
{
    public string PartitionKey => PartitionKeys.Of(JobId, Partition);
}
