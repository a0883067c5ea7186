namespace Mae.Cluster.Grains;

/// <summary>
/// One shard as its partition records it: state, attempts so far (a released lease does not count, an expired one
/// does) and, while leased, the worker holding it ("{silo address}/{device}") — for operators and tests to see who
/// works on what.
/// </summary>
[GenerateSerializer, Immutable, Alias("mae.ShardRecord")]
public sealed record ShardRecord(
    [property: Id(0)] int Shard,
    [property: Id(1)] ShardState State,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string? LeasedBy);
