namespace Mae.Cluster.Inference.Onnx;

/// <summary>
/// How many threads a CPU session runs one operator on when none are asked for: one per physical core this process
/// may use. ONNX Runtime's own default means the same, but on some virtual machines it comes out as one thread
/// (measured on a 2-core VM: the base model ran at half the rate of an explicit 2), so it is worked out here.
/// </summary>
public static class CpuCores
{
    private const string LinuxCpuFolder = "/sys/devices/system/cpu";

    /// <summary>
    /// Physical cores, never more than <see cref="Environment.ProcessorCount"/> (which honours CPU affinity and a
    /// container's CPU limit): matrix products gain little from a core's second hardware thread and lose to spinning.
    /// </summary>
    public static int ForInference { get; } = ForInferenceFrom(LinuxCpuFolder, Environment.ProcessorCount);

    internal static int ForInferenceFrom(string cpuFolder, int processorCount) =>
        Math.Max(1, Math.Min(processorCount, PhysicalCores(cpuFolder) ?? processorCount));

    /// <summary>Distinct (package, core) pairs of the CPUs in a Linux sysfs cpu folder; null where none can be read.</summary>
    internal static int? PhysicalCores(string cpuFolder)
    {
        if (!Directory.Exists(cpuFolder))
        {
            return null;
        }
        try
        {
            var cores = new HashSet<(string Package, string Core)>();
            foreach (var cpu in Directory.EnumerateDirectories(cpuFolder, "cpu*"))
            {
                var topology = Path.Combine(cpu, "topology");
                var package = Path.Combine(topology, "physical_package_id");
                var core = Path.Combine(topology, "core_id");
                // cpufreq, cpuidle and offline CPUs have no topology.
                if (File.Exists(package) && File.Exists(core))
                {
                    cores.Add((File.ReadAllText(package).Trim(), File.ReadAllText(core).Trim()));
                }
            }
            return cores.Count > 0 ? cores.Count : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
