namespace Mae.Cluster.Grains;

public static class JobStateExtensions
{
    /// <summary>True once a job will not change any more (completed, failed or cancelled).</summary>
    public static bool IsTerminal(this JobState state) => state is JobState.Completed or JobState.Failed or JobState.Cancelled;
}
