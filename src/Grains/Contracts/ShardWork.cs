namespace Mae.Cluster.Grains;

/// <summary>One shard to compute: the job, its spec, the shard index and which attempt this is.</summary>
[GenerateSerializer, Immutable, Alias("mae.ShardWork")]
public sealed record ShardWork([property: Id(0)] string JobId, [property: Id(1)] JobSpec Spec, [property: Id(2)] int Shard, [property: Id(3)] int Attempt);
