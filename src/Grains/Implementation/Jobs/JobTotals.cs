namespace Mae.Cluster.Grains.Jobs;

/// <summary>Sums over a job's partitions, kept up to date by replacing one partition's summary at a time (O(1)).</summary>
[GenerateSerializer, Alias("mae.JobTotals")]
internal sealed class JobTotals
{
    [Id(0)] public int Done { get; set; }
    [Id(1)] public int Failed { get; set; }
    [Id(2)] public int Leased { get; set; }
    [Id(3)] public long Images { get; set; }
    [Id(4)] public long FailedImages { get; set; }
    [Id(5)] public long InputBytes { get; set; }
    [Id(6)] public int AlreadyCommitted { get; set; }
    [Id(7)] public long AlreadyCommittedImages { get; set; }

    public int Finished => Done + Failed;

    public void Add(PartitionSummary s, int sign)
    {
        Done += sign * s.Done;
        Failed += sign * s.Failed;
        Leased += sign * s.Leased;
        Images += sign * s.Images;
        FailedImages += sign * s.FailedImages;
        InputBytes += sign * s.InputBytes;
        AlreadyCommitted += sign * s.AlreadyCommitted;
        AlreadyCommittedImages += sign * s.AlreadyCommittedImages;
    }

    public JobTotals Copy() => (JobTotals)MemberwiseClone();
}
