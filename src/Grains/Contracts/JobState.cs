namespace Mae.Cluster.Grains;

/// <summary>Where a job is in its life: pending (being enumerated) → running → one of the three terminal states.</summary>
[GenerateSerializer, Alias("mae.JobState")]
public enum JobState
{
    /// <summary>Accepted; the input is being enumerated into shards.</summary>
    Pending = 0,
    Running = 1,
    Completed = 2,
    Failed = 3,
    Cancelled = 4,
}
