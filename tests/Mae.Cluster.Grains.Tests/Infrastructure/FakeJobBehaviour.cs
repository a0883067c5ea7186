namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>How the fake executor treats one job's shards.</summary>
internal sealed record FakeJobBehaviour
{
    public TimeSpan Delay { get; init; }
    public int ImagesPerShard { get; init; } = 10;
    public int FailedImagesPerShard { get; init; }

    /// <summary>Shards whose every attempt throws.</summary>
    public IReadOnlySet<int> FailingShards { get; init; } = new HashSet<int>();

    /// <summary>Write a marker file per shard (the stand-in for the shard's deterministic output).</summary>
    public bool WriteMarkers { get; init; } = true;

    /// <summary>When set, every shard waits for it (a job that makes no progress until the test says so).</summary>
    public TaskCompletionSource? Gate { get; init; }
}
