namespace Mae.Cluster.Grains.Partitions;

/// <summary>
/// A current lease, held in memory only: bounded by the workers, never persisted. Lost with its partition's
/// activation, it costs a repeated shard (commits are idempotent and a committed shard is skipped), not a result.
/// </summary>
internal sealed class LeaseRecord
{
    public required Guid LeaseId { get; init; }
    public required DateTimeOffset ExpiresAt { get; set; }
    public required string WorkerId { get; init; }
}
