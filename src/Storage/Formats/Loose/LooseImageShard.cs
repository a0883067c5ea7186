namespace Mae.Cluster.Storage.Formats;

/// <summary>A shard of loose images: shard <see cref="Index"/> holds sorted paths [Index·size, (Index+1)·size).</summary>
public sealed record LooseImageShard(int Index, IReadOnlyList<LooseImage> Images);
