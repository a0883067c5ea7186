using System.ComponentModel.DataAnnotations;

namespace Mae.Cluster.Grains;

/// <summary>How the coordinator grains split and lease work (section <c>Mae:Coordinator</c>).</summary>
public sealed class CoordinatorOptions
{
    public const string Section = "Mae:Coordinator";

    /// <summary>
    /// Shards per partition grain. Bounds each partition's persisted state (two bits per shard); fixed per job when
    /// its input is enumerated, so changing it affects new jobs only.
    /// </summary>
    [Range(1, 65_536)]
    public int PartitionSize { get; set; } = 1024;

    /// <summary>How long a lease lasts without renewal; a worker whose silo died loses its shards after this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a partition gathers shard outcomes before writing them in one storage write (and reporting them to
    /// the job). Longer: fewer writes when many shards finish at once; an activation lost with its silo loses at most
    /// this much bookkeeping, which costs repeated shards, never results. Zero writes at the end of each change's turn.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}
