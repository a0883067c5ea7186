namespace Mae.Cluster.Bench.Coordinator;

/// <summary>How often one kind of grain state was written, how many bytes in all, and the largest single write.</summary>
public sealed record StateWrites(long Writes, long Bytes, long LargestWrite);
