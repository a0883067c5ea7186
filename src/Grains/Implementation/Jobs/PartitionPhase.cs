namespace Mae.Cluster.Grains.Jobs;

/// <summary>Where a partition stands for its job (<see cref="PartitionProgress"/>).</summary>
[GenerateSerializer, Alias("mae.PartitionPhase")]
internal enum PartitionPhase
{
    Untouched = 0,
    InProgress = 1,
    Finished = 2,
    FinishedWithFailures = 3,
}
