using System.ComponentModel.DataAnnotations;

namespace Mae.Cluster.Grains.Workers;

/// <summary>How this silo's shard workers pull work (section <c>Mae:Worker</c>).</summary>
public sealed class WorkerOptions
{
    public const string Section = "Mae:Worker";

    /// <summary>One worker per entry ("cpu", "cuda:0", "cuda:1", …); empty for a silo that only coordinates.</summary>
    /// <remarks>An array, so configuration replaces the default rather than appending to it.</remarks>
#pragma warning disable CA1819 // Bound from configuration; never mutated after start-up.
    public string[] Devices { get; set; } = ["cpu"];
#pragma warning restore CA1819

    /// <summary>Shards leased ahead of the one running, so the next starts without a round trip.</summary>
    [Range(1, 16)]
    public int Prefetch { get; set; } = 1;

    /// <summary>How often held leases are renewed; well under the coordinator's lease duration.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long an idle worker waits before asking for work again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan IdleDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Leases taken from one assigned partition before asking the job again (keeps the spread fair).</summary>
    [Range(1, 10_000)]
    public int LeasesPerAssignment { get; set; } = 16;
}
