namespace Mae.Cluster.Grains.Partitions;

/// <summary>The persisted state of one partition; its size is bounded by the partition size, never by the job's.</summary>
[GenerateSerializer, Alias("mae.ShardPartitionState")]
internal sealed class ShardPartitionState
{
    [Id(0)] public int FirstShard { get; set; }
    [Id(1)] public int MaxAttempts { get; set; }

    /// <summary>One <see cref="ShardSlot"/> byte per shard of the partition; empty until the first call initialises it.</summary>
    [Id(2)] public byte[] Slots { get; set; } = [];

    /// <summary>Current leases by shard offset within the partition.</summary>
    [Id(3)] public Dictionary<int, LeaseRecord> Leases { get; set; } = [];

    /// <summary>Last reason of each failed shard, by offset.</summary>
    [Id(4)] public Dictionary<int, string> FailureReasons { get; set; } = [];

    [Id(5)] public long Images { get; set; }
    [Id(6)] public long FailedImages { get; set; }
    [Id(7)] public long InputBytes { get; set; }

    /// <summary>Grows with every persisted change, so the job keeps the newest of reports that may arrive out of order.</summary>
    [Id(8)] public long Version { get; set; }

    [Id(9)] public bool Cancelled { get; set; }
    [Id(10)] public bool AbandonInFlight { get; set; }

    /// <summary>Where the search for the next pending shard starts, so leasing is O(1) amortised.</summary>
    [Id(11)] public int Cursor { get; set; }

    /// <summary>Done shards that an earlier run had committed, and their images: a rerun found them finished.</summary>
    [Id(12)] public int AlreadyCommitted { get; set; }
    [Id(13)] public long AlreadyCommittedImages { get; set; }

    public bool IsInitialized => Slots.Length > 0;
}
