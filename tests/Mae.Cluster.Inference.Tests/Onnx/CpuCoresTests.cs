using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Inference.Tests.Onnx;

/// <summary>A CPU session's default thread count: one per physical core the process may use, read from sysfs.</summary>
public sealed class CpuCoresTests : IDisposable
{
    private readonly TempDirectory _sys = new();

    [Fact]
    public void HardwareThreadsOfOneCoreCountOnce()
    {
        // Two packages of two cores, each core with two hardware threads: eight CPUs, four cores.
        var cpu = 0;
        foreach (var package in new[] { 0, 1 })
        {
            foreach (var core in new[] { 0, 1 })
            {
                WriteCpu(cpu++, package, core);
                WriteCpu(cpu++, package, core);
            }
        }

        Assert.Equal(4, CpuCores.PhysicalCores(_sys.Path));
        Assert.Equal(4, CpuCores.ForInferenceFrom(_sys.Path, processorCount: 8));
    }

    [Fact]
    public void ProcessLimitedToFewerCpusThanCoresGetsOneThreadPerCpu()
    {
        for (var cpu = 0; cpu < 16; cpu++)
        {
            WriteCpu(cpu, package: 0, core: cpu);
        }

        Assert.Equal(3, CpuCores.ForInferenceFrom(_sys.Path, processorCount: 3));
    }

    [Fact]
    public void UnreadableTopologyFallsBackToTheProcessorCount()
    {
        Directory.CreateDirectory(Path.Combine(_sys.Path, "cpufreq"));
        Directory.CreateDirectory(Path.Combine(_sys.Path, "cpu0")); // offline: no topology folder

        Assert.Null(CpuCores.PhysicalCores(_sys.Path));
        Assert.Equal(6, CpuCores.ForInferenceFrom(_sys.Path, processorCount: 6));
        Assert.Equal(6, CpuCores.ForInferenceFrom(_sys.Combine("no-such-folder"), processorCount: 6));
    }

    private void WriteCpu(int cpu, int package, int core)
    {
        var topology = Directory.CreateDirectory(Path.Combine(_sys.Path, $"cpu{cpu}", "topology")).FullName;
        File.WriteAllText(Path.Combine(topology, "physical_package_id"), $"{package}\n");
        File.WriteAllText(Path.Combine(topology, "core_id"), $"{core}\n");
    }

    public void Dispose() => _sys.Dispose();
}
