using System.ComponentModel.DataAnnotations;

namespace Mae.Cluster.Grains.Workers;

/// <summary>How this silo's shard workers pull work (section <c>Mae:Worker</c>).</summary>
public sealed class WorkerOptions
{
    public const string Section = "Mae:Worker";

    /// <summary>The devices of a silo whose settings name none.</summary>
    public const string DefaultDevices = "cpu";

    /// <summary>Written for <see cref="Devices"/> on a silo that only coordinates.</summary>
    public const string NoDevices = "none";

    /// <summary>
    /// The devices to run one worker each on, comma-separated ("cpu", "cuda:0,cuda:1"); <see cref="NoDevices"/> for a
    /// silo that only coordinates.
    /// </summary>
    /// <remarks>
    /// One string rather than a list: the configuration binder appends a list's items to its default instead of
    /// replacing them, so a list defaulting to "cpu" would run a CPU worker beside every configured GPU.
    /// </remarks>
    public string? Devices { get; set; } = DefaultDevices;

    /// <summary>The entries of <see cref="Devices"/>, in order; empty for <see cref="NoDevices"/>.</summary>
    public IReadOnlyList<string> DeviceList()
    {
        var entries = (Devices ?? DefaultDevices).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return entries is [var only] && only.Equals(NoDevices, StringComparison.OrdinalIgnoreCase) ? [] : entries;
    }

    /// <summary>
    /// Lets <see cref="Devices"/> name simulated devices (<c>sim:RATE</c>, for benchmarks and soaks: they write values
    /// derived from the image bytes, not embeddings). Off by default, so a production silo cannot run one by a typo.
    /// </summary>
    public bool AllowSimulatedDevices { get; set; }

    /// <summary>Why <paramref name="device"/>, a simulated one, is refused while <see cref="AllowSimulatedDevices"/> is off.</summary>
    public static string SimulatedDeviceRefusal(string device) =>
        $"{Section}:{nameof(Devices)} '{device}' is a simulated device (benchmarks and soaks only: its outputs are not embeddings); " +
        $"set {Section}:{nameof(AllowSimulatedDevices)}=true (Mae__Worker__AllowSimulatedDevices=true) to run it.";

    /// <summary>
    /// Shards a device works on at once. Two share its model (see <c>SharedEngine</c>): while one shard's last batch
    /// is on the device, the next one's images are already being read and decoded, so the device never idles between
    /// shards.
    /// </summary>
    [Range(1, 8)]
    public int ShardsInFlight { get; set; } = 2;

    /// <summary>Shards leased ahead of the ones running, so the next starts without a round trip.</summary>
    [Range(1, 16)]
    public int Prefetch { get; set; } = 1;

    /// <summary>How often held leases are renewed; well under the coordinator's lease duration.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long an idle worker waits before asking for work again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan IdleDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest one poll of a running shard waits for it to end (it returns as soon as the shard ends). Well below
    /// Orleans' response timeout (30 s by default), which would otherwise fail the poll.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:20")]
    public TimeSpan RunPollWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Leases taken from one assigned partition before asking the job again (keeps the spread fair).</summary>
    [Range(1, 10_000)]
    public int LeasesPerAssignment { get; set; } = 16;
}
