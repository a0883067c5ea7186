namespace Mae.Cluster.Grains.Workers;

/// <summary>One shard for an executor to process: the job, its spec, the shard index and which attempt this is.</summary>
public sealed record ShardWork(string JobId, JobSpec Spec, int Shard, int Attempt);
