namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// What a job persists: spec, state, shape and — once finished — its final totals. Nothing per shard or per
/// partition, so it is the same size for ten shards or a million, and it is written only when the state changes.
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
}
