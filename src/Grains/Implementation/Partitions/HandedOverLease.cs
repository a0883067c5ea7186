namespace Mae.Cluster.Grains.Partitions;

/// <summary>
/// A lease written only when a partition deactivates in an orderly way (its silo stopping, idle collection), so the
/// next activation knows the shard is still being worked on instead of leasing it out a second time. Leases are
/// otherwise never persisted: a partition lost without deactivating (its silo killed) simply forgets them.
/// </summary>
[GenerateSerializer, Immutable, Alias("mae.HandedOverLease")]
internal sealed record HandedOverLease([property: Id(0)] int Offset, [property: Id(1)] Guid LeaseId, [property: Id(2)] string WorkerId);
