namespace Mae.Cluster.Grains;

/// <summary>A snapshot of a job: its state, its totals so far and, while it runs, its rate and time to go.</summary>
[GenerateSerializer, Immutable, Alias("mae.JobStatus")]
public sealed record JobStatus
{
    [Id(0)] public required string JobId { get; init; }
    [Id(1)] public required JobState State { get; init; }
    [Id(2)] public required JobSpec Spec { get; init; }

    /// <summary>Shards in the job; 0 while the input is still being enumerated.</summary>
    [Id(3)] public int Shards { get; init; }
    [Id(4)] public int ShardsDone { get; init; }
    [Id(5)] public int ShardsFailed { get; init; }
    [Id(6)] public int ShardsLeased { get; init; }
    [Id(7)] public long ImagesDone { get; init; }
    [Id(8)] public long ImagesFailed { get; init; }
    [Id(9)] public long InputBytes { get; init; }

    /// <summary>Images per second since this job's coordinator last started; null before the first shard is done.</summary>
    [Id(10)] public double? ImagesPerSecond { get; init; }

    /// <summary>Estimated time to finish at the current shard rate; null when unknown or finished.</summary>
    [Id(11)] public TimeSpan? EstimatedTimeLeft { get; init; }

    [Id(12)] public DateTimeOffset SubmittedAt { get; init; }
    [Id(13)] public DateTimeOffset? StartedAt { get; init; }
    [Id(14)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why the job failed or was cancelled; null otherwise.</summary>
    [Id(15)] public string? Reason { get; init; }

    /// <summary>Of <see cref="ShardsDone"/>, the shards an earlier run of the same job had committed (a rerun skips them).</summary>
    [Id(16)] public int ShardsAlreadyCommitted { get; init; }

    /// <summary>Of <see cref="ImagesDone"/>, the images in <see cref="ShardsAlreadyCommitted"/>: embedded by an earlier run.</summary>
    [Id(17)] public long ImagesAlreadyCommitted { get; init; }

    /// <summary>Images embedded by this job itself (not found committed by an earlier run).</summary>
    public long ImagesComputed => ImagesDone - ImagesAlreadyCommitted;
}
