namespace Mae.Cluster.Pipeline;

/// <summary>A job's progress so far; images/s and ETA are derived by whoever shows it.</summary>
public sealed record JobProgress(int ShardsTotal, int ShardsDone, int ShardsSkipped, long Images, long Failures, TimeSpan Elapsed);
