namespace Mae.Cluster.Grains.Partitions;

/// <summary>
/// The persisted status of every shard of a partition at two bits a shard (a 1,024-shard partition in 256 bytes).
/// Only <see cref="ShardStatus.Pending"/>, <see cref="ShardStatus.Done"/> and <see cref="ShardStatus.Failed"/> are
/// stored: a lease is soft state, so a shard leased when its partition was lost is simply pending again.
/// </summary>
internal static class ShardStatusBits
{
    private const int PerByte = 4;

    public static byte[] Create(int shards) => new byte[(shards + PerByte - 1) / PerByte];

    public static ShardStatus Get(byte[] bits, int offset) => (ShardStatus)((bits[offset / PerByte] >> (2 * (offset % PerByte))) & 0b11);

    public static void Set(byte[] bits, int offset, ShardStatus status)
    {
        var shift = 2 * (offset % PerByte);
        ref var cell = ref bits[offset / PerByte];
        cell = (byte)((cell & ~(0b11 << shift)) | ((int)status << shift));
    }
}
