namespace Mae.Cluster.Pipeline;

/// <summary>What one shard came to: images embedded and failed, and whether it was already done.</summary>
public sealed record ShardOutcome(int Shard, int Images, int Failures, long InputBytes, bool Skipped, TimeSpan Elapsed);
