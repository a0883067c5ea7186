namespace Mae.Cluster.Grains;

/// <summary>What a processed shard came to. Counts only: the embeddings themselves are already in storage.</summary>
[GenerateSerializer, Immutable, Alias("mae.ShardResult")]
public sealed record ShardResult([property: Id(0)] int Images, [property: Id(1)] int FailedImages, [property: Id(2)] long InputBytes);
