namespace Mae.Cluster.Grains;

/// <summary>The job's answer to a worker that wants work: lease shards from this partition, for this spec.</summary>
[GenerateSerializer, Immutable, Alias("mae.WorkAssignment")]
public sealed record WorkAssignment([property: Id(0)] PartitionPlan Plan, [property: Id(1)] JobSpec Spec);
