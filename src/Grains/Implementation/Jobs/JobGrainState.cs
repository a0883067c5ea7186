namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// What a job persists: spec, state, shape, which partitions are finished or in progress (a frontier and the few above
/// it) and the totals of the finished ones — the same size for ten shards or a million. Written when the state changes
/// and when a partition starts or finishes, never per shard.
/// </summary>
[GenerateSerializer, Alias("mae.JobGrainState")]
internal sealed class JobGrainState
{
    [Id(0)] public JobSpec? Spec { get; set; }
    [Id(1)] public JobState State { get; set; }
    [Id(2)] public int ShardCount { get; set; }
    [Id(3)] public int PartitionSize { get; set; }
    [Id(4)] public int PartitionCount { get; set; }
    [Id(5)] public DateTimeOffset SubmittedAt { get; set; }
    [Id(6)] public DateTimeOffset? StartedAt { get; set; }
    [Id(7)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(8)] public string? Reason { get; set; }
    [Id(9)] public JobTotals FinalTotals { get; set; } = new();

    /// <summary>Null for a job persisted before partitions' progress was kept.</summary>
    [Id(10)] public PartitionProgress? Progress { get; set; }

    /// <summary>Sums over the partitions whose every shard is done or failed, as they last reported.</summary>
    [Id(11)] public JobTotals FinishedPartitionTotals { get; set; } = new();
}
