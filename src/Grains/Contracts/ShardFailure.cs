namespace Mae.Cluster.Grains;

/// <summary>A shard given up on after its attempts, with the last reason.</summary>
[GenerateSerializer, Immutable, Alias("mae.ShardFailure")]
public sealed record ShardFailure([property: Id(0)] int Shard, [property: Id(1)] int Attempts, [property: Id(2)] string Reason);
