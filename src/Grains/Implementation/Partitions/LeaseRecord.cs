namespace Mae.Cluster.Grains.Partitions;

/// <summary>A current lease: kept only while a shard is leased, so the number of records is bounded by the workers.</summary>
[GenerateSerializer, Alias("mae.LeaseRecord")]
internal sealed class LeaseRecord
{
    [Id(0)] public Guid LeaseId { get; set; }
    [Id(1)] public DateTimeOffset ExpiresAt { get; set; }
    [Id(2)] public string WorkerId { get; set; } = "";
}
