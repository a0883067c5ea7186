namespace Mae.Cluster.Client;

/// <summary>
/// How <see cref="MaeClusterClient.WatchAsync"/> follows a job: how often it asks, how long one status call may go
/// unanswered before it is abandoned and asked again, and how long the cluster may stay silent before the watch gives
/// up. The defaults follow a job through the loss of any one silo: its job grain is back on another silo within
/// seconds of the membership declaring the dead one dead.
/// </summary>
public sealed record JobWatchOptions
{
    /// <summary>The pause between two status calls.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one status call may go unanswered before it is abandoned and retried (with backoff). The job grain
    /// answers from memory, so anything near this long means its silo is gone or frozen, not busy.
    /// </summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the status calls may keep failing before the watch gives up with <see cref="ClusterUnreachableException"/>.</summary>
    public TimeSpan OutageTolerance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Told of each status call that failed and will be retried.</summary>
    public Action<JobWatchOutage>? OnContactLost { get; init; }

    /// <summary>Told, after calls failed, that one answered again: with how long the calls had been failing.</summary>
    public Action<TimeSpan>? OnContactRestored { get; init; }
}
