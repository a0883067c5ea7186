namespace Mae.Cluster.Grains;

/// <summary>The grain storage provider every Mae grain persists to; silos register it (memory, Azure Blob, …).</summary>
public static class GrainStorageNames
{
    public const string Jobs = "mae-jobs";
}
