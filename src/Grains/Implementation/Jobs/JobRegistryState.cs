namespace Mae.Cluster.Grains.Jobs;

[GenerateSerializer, Alias("mae.JobRegistryState")]
internal sealed class JobRegistryState
{
    /// <summary>Every job, in submission order.</summary>
    [Id(0)] public List<string> All { get; set; } = [];

    /// <summary>Jobs pending or running, in submission order.</summary>
    [Id(1)] public List<string> Active { get; set; } = [];
}
