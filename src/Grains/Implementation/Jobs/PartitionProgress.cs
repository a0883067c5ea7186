namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// Which of a job's partitions are finished, in progress or untouched, persisted with the job so a reactivated job
/// asks only the partitions in progress. Work is handed out from the lowest partitions up, so this is a frontier
/// (every partition below it finished) plus the few partitions at or above it that were touched: its size follows
/// the partitions in progress and those with failed shards, not the job's size.
/// </summary>
[GenerateSerializer, Alias("mae.PartitionProgress")]
internal sealed class PartitionProgress
{
    /// <summary>Every partition below this one is finished.</summary>
    [Id(0)] public int FinishedBelow { get; set; }

    /// <summary>The phase of each touched partition at or above <see cref="FinishedBelow"/>.</summary>
    [Id(1)] public Dictionary<int, PartitionPhase> Above { get; set; } = [];

    /// <summary>Finished partitions with failed shards, wherever they are.</summary>
    [Id(2)] public HashSet<int> WithFailures { get; set; } = [];

    public PartitionPhase PhaseOf(int partition)
    {
        if (partition < FinishedBelow)
        {
            return WithFailures.Contains(partition) ? PartitionPhase.FinishedWithFailures : PartitionPhase.Finished;
        }
        return Above.GetValueOrDefault(partition);
    }

    public static bool IsFinished(PartitionPhase phase) => phase is PartitionPhase.Finished or PartitionPhase.FinishedWithFailures;

    /// <summary>Records a phase; a finished partition never goes back to in progress.</summary>
    public void Set(int partition, PartitionPhase phase)
    {
        if (phase == PartitionPhase.FinishedWithFailures)
        {
            WithFailures.Add(partition);
        }
        else if (phase == PartitionPhase.Finished)
        {
            WithFailures.Remove(partition);
        }
        if (partition < FinishedBelow)
        {
            return;
        }
        Above[partition] = phase;
        while (Above.TryGetValue(FinishedBelow, out var next) && IsFinished(next))
        {
            Above.Remove(FinishedBelow);
            FinishedBelow++;
        }
    }
}
