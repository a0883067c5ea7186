namespace Mae.Cluster.Grains.Partitions;

/// <summary>
/// The persisted state of one partition: two bits a shard plus counters, a few hundred bytes for 1,024 shards.
/// Leases are not here (soft state) except across an orderly deactivation; attempts are, but only the failed ones of
/// shards that had any.
/// </summary>
[GenerateSerializer, Alias("mae.ShardPartitionState.2")]
internal sealed class ShardPartitionState
{
    [Id(0)] public int FirstShard { get; set; }
    [Id(1)] public int ShardCount { get; set; }
    [Id(2)] public int MaxAttempts { get; set; }

    /// <summary>Each shard's <see cref="ShardStatus"/> at two bits (<see cref="ShardStatusBits"/>); empty until the first call.</summary>
    [Id(3)] public byte[] Statuses { get; set; } = [];

    /// <summary>Failed attempts (including expired leases) by shard offset, for the shards that had any; null for none.</summary>
    /// <remarks>Null rather than empty: the JSON storage serializer writes a long type name for every dictionary.</remarks>
    [Id(4)] public Dictionary<int, int>? FailedAttempts { get; set; }

    /// <summary>Last reason of each failed shard, by offset; null for none.</summary>
    [Id(5)] public Dictionary<int, string>? FailureReasons { get; set; }

    [Id(6)] public long Images { get; set; }
    [Id(7)] public long FailedImages { get; set; }
    [Id(8)] public long InputBytes { get; set; }

    [Id(10)] public bool Cancelled { get; set; }
    [Id(11)] public bool AbandonInFlight { get; set; }

    /// <summary>Done shards that an earlier run had committed, and their images: a rerun found them finished.</summary>
    [Id(12)] public int AlreadyCommitted { get; set; }
    [Id(13)] public long AlreadyCommittedImages { get; set; }

    /// <summary>The leases held when the last activation deactivated in an orderly way; null otherwise (and once taken over).</summary>
    [Id(14)] public List<HandedOverLease>? HandedOver { get; set; }

    public bool IsInitialized => ShardCount > 0;
}
