using Mae.Cluster.Inference.Engine;

namespace Mae.Cluster.Pipeline;

/// <summary>An image of a shard on its way to the engine, with what the metadata needs to say about it.</summary>
public sealed record ShardSample(ImageInput Image, string ImagePath, string? Caption);
