namespace Mae.Cluster.Grains;

/// <summary>What a processed shard came to. Counts only: the embeddings themselves are already in storage.</summary>
/// <param name="AlreadyCommitted">An earlier run of the same job had committed the shard: nothing was computed now.</param>
[GenerateSerializer, Immutable, Alias("mae.ShardResult")]
public sealed record ShardResult(
    [property: Id(0)] int Images, [property: Id(1)] int FailedImages, [property: Id(2)] long InputBytes, [property: Id(3)] bool AlreadyCommitted = false);
