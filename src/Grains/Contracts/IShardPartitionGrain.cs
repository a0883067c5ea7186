namespace Mae.Cluster.Grains;

/// <summary>
/// The bookkeeping of a fixed-size range of a job's shards (key: "{job}/{partition}"): two status bits per shard
/// persisted, leases in memory. Its persisted state is bounded by the partition size, whatever the job size.
/// </summary>
[Alias("mae.IShardPartitionGrain")]
public interface IShardPartitionGrain : IGrainWithStringKey
{
    /// <summary>Leases the next pending shard (reclaiming expired leases first); null when none is leasable now.</summary>
    [Alias("Lease")]
    Task<ShardLease?> LeaseAsync(PartitionPlan plan, string workerId);

    /// <summary>
    /// Extends a lease; false when it is no longer this worker's (expired and re-leased, done, or abandoned by a cancel).
    /// A lease this partition no longer knows (leases are not persisted: its activation was lost) is taken back by
    /// <paramref name="workerId"/> if nobody else leased the shard meanwhile, so work in flight is not thrown away.
    /// </summary>
    [Alias("Renew")]
    Task<bool> RenewAsync(int shard, Guid leaseId, string workerId);

    /// <summary>
    /// Records a processed shard. Idempotent: a shard counts once, however many workers finish it (output is
    /// deterministic, so a late completion after an expired lease is still a valid one).
    /// </summary>
    [Alias("Complete")]
    Task CompleteAsync(int shard, Guid leaseId, ShardResult result);

    /// <summary>Records a failed attempt; after the plan's attempts the shard is failed with this reason.</summary>
    [Alias("Fail")]
    Task FailAsync(int shard, Guid leaseId, string reason);

    /// <summary>Gives a lease back unprocessed (a worker shutting down); the attempt does not count.</summary>
    [Alias("Release")]
    Task ReleaseAsync(int shard, Guid leaseId);

    [Alias("GetSummary")]
    Task<PartitionSummary> GetSummaryAsync(PartitionPlan plan);

    /// <summary>Stops leasing; with <paramref name="abandonInFlight"/> also refuses renewals of current leases.</summary>
    [Alias("Cancel")]
    Task CancelAsync(PartitionPlan plan, bool abandonInFlight);

    /// <summary>Every shard of this partition (bounded by the partition size); empty before the first lease.</summary>
    [Alias("GetShards")]
    Task<IReadOnlyList<ShardRecord>> GetShardsAsync();

    /// <summary>
    /// The shards leased now, with their holders and attempts so far, in shard order: bounded by the workers, not the
    /// partition size (for operators asking where a job's shards are).
    /// </summary>
    [Alias("GetLeasedShards")]
    Task<IReadOnlyList<ShardRecord>> GetLeasedShardsAsync();

    [Alias("GetFailures")]
    Task<IReadOnlyList<ShardFailure>> GetFailuresAsync();
}
