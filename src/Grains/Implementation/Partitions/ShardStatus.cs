namespace Mae.Cluster.Grains.Partitions;

/// <summary>A shard's bookkeeping state inside its partition (two bits of its slot byte).</summary>
internal enum ShardStatus : byte
{
    Pending = 0,
    Leased = 1,
    Done = 2,
    Failed = 3,
}
