using Orleans.Concurrency;

namespace Mae.Cluster.Grains;

/// <summary>
/// The coordinator of one job (key: the job id). Holds the spec, the state and the totals; shard bookkeeping lives
/// in <see cref="IShardPartitionGrain"/>s, so nothing here grows with the number of shards it persists.
/// </summary>
[Alias("mae.IJobGrain")]
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>
    /// Accepts the job and returns at once; the input is enumerated in the background. Submitting the same spec
    /// under the same id again returns the existing job; a different spec under a used id is refused.
    /// </summary>
    /// <exception cref="ArgumentException">The spec is unusable or the id is taken by a different spec.</exception>
    [Alias("Submit")]
    Task<JobStatus> SubmitAsync(JobSpec spec);

    /// <summary>The current status; throws <see cref="KeyNotFoundException"/> for an id never submitted.</summary>
    /// <param name="cancellationToken">
    /// Lets a caller abandon a call that does not answer (its silo died, the membership has not caught up) within its
    /// own short timeout, rather than Orleans' response timeout.
    /// </param>
    [Alias("GetStatus")]
    Task<JobStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops leasing. In-flight shards finish and are recorded, or with <paramref name="abandonInFlight"/> their
    /// renewals are refused so workers stop them. Cancelling a finished job changes nothing.
    /// </summary>
    [Alias("Cancel")]
    Task<JobStatus> CancelAsync(bool abandonInFlight);

    /// <summary>A partition with leasable shards for a worker, round-robin; null when there is none right now.</summary>
    [Alias("RequestWork")]
    Task<WorkAssignment?> RequestWorkAsync();

    /// <summary>A partition's newest cumulative counts. One-way: partitions never wait on the job.</summary>
    [OneWay, Alias("ReportPartition")]
    Task ReportPartitionAsync(PartitionSummary summary);

    /// <summary>Shards given up on, up to <paramref name="maxCount"/>, in shard order.</summary>
    [Alias("GetFailedShards")]
    Task<IReadOnlyList<ShardFailure>> GetFailedShardsAsync(int maxCount);

    /// <summary>
    /// The shards leased now, up to <paramref name="maxCount"/>, in shard order: each with the worker holding it
    /// ("{silo address}/{device}") and its attempts so far. Asks only the partitions in progress, so its cost follows
    /// the workers, not the job's size.
    /// </summary>
    [Alias("GetShardsInFlight")]
    Task<IReadOnlyList<ShardRecord>> GetShardsInFlightAsync(int maxCount);
}
