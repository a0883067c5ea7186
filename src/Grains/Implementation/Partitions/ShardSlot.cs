namespace Mae.Cluster.Grains.Partitions;

/// <summary>
/// One byte per shard: status in the low two bits, attempts in the upper six (hence at most 63 attempts). Keeps a
/// partition's persisted state at about one byte per shard.
/// </summary>
internal static class ShardSlot
{
    public const int MaxAttempts = 63;

    public static ShardStatus Status(byte slot) => (ShardStatus)(slot & 0b11);

    public static int Attempts(byte slot) => slot >> 2;

    public static byte Make(ShardStatus status, int attempts) => (byte)((Math.Clamp(attempts, 0, MaxAttempts) << 2) | (int)status);
}
