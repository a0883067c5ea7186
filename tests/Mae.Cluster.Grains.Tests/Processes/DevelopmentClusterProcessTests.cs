using System.Globalization;
using System.Text.Json;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// The README's "one machine, two silos" recipe with real silo processes and Development clustering: the second silo
/// joins the first through <c>Mae:Cluster:PrimarySiloEndpoint</c>, so a job submitted through one silo's gateway is
/// listed through the other's and computed by whichever silo has a device.
/// </summary>
[Collection(SiloProcessCollection.Name)]
public sealed class DevelopmentClusterProcessTests : IAsyncDisposable
{
    private readonly TempDirectory _root = new();
    private readonly List<SiloProcess> _silos = [];

    [Fact]
    public async Task ASecondSiloJoinsTheFirstAndAJobSubmittedThroughOneGatewayIsListedAndComputedThroughTheOther()
    {
        var clusterId = "dev-" + Guid.NewGuid().ToString("N")[..12];
        var firstSiloPort = FreePort.OnLoopback();
        var primary = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{firstSiloPort}");
        try
        {
            // The first silo computes; the second only coordinates and serves its gateway, so the job can only be done
            // if the two are one cluster.
            var first = await StartSiloAsync("first", clusterId, firstSiloPort, primary, devices: "cpu");
            var second = await StartSiloAsync("second", clusterId, FreePort.OnLoopback(), primary, devices: "none");
            var output = _root.Combine("out-cluster");

            var submit = await BuiltProgram.Mae.RunAsync(Cli(clusterId, second.GatewayPort),
                "submit", Photos(), "--output", output, "--model", "tiny", "--shard-size", "10");
            Assert.True(submit.ExitCode == 0, submit.StdErr);
            var jobId = submit.StdOut.Trim();
            var watched = await BuiltProgram.Mae.RunAsync(Cli(clusterId, first.GatewayPort), "status", jobId, "--watch");
            var listed = await BuiltProgram.Mae.RunAsync(Cli(clusterId, second.GatewayPort), "list", "--json");

            Assert.True(watched.ExitCode == 0, $"mae status through the first silo exited {watched.ExitCode}: {watched.StdErr}");
            Assert.True(listed.ExitCode == 0, listed.StdErr);
            using var status = JsonDocument.Parse(listed.StdOut.Trim());
            Assert.Equal(jobId, status.RootElement.GetProperty("jobId").GetString());
            Assert.Equal("completed", status.RootElement.GetProperty("state").GetString());
            Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
        }
        catch
        {
            foreach (var silo in _silos)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"===== {silo.Name} =====\n{await silo.ReadLogAsync()}");
            }
            throw;
        }
    }

    private async Task<(SiloProcess Process, int GatewayPort)> StartSiloAsync(string name, string clusterId, int siloPort, string primary, string devices)
    {
        var ports = FreePort.OnLoopback(2);
        var (gatewayPort, healthPort) = (ports[0], ports[1]);
        var environment = new Dictionary<string, string>
        {
            ["Mae__Cluster__Clustering"] = "Development",
            ["Mae__Cluster__ClusterId"] = clusterId,
            ["Mae__Cluster__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Mae__Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Mae__Cluster__PrimarySiloEndpoint"] = primary,
            ["Mae__Health__Urls"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{healthPort}"),
            ["Mae__Worker__Devices"] = devices,
            ["Mae__Worker__IdleDelay"] = "00:00:00.100",
            ["MAE_HOME"] = _root.Combine($"{name}-home"),
        };
        var silo = SiloProcess.Start(name, siloPort, healthPort, environment, Directory.CreateDirectory(_root.Combine("logs")).FullName);
        _silos.Add(silo);
        await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
        return (silo, gatewayPort);
    }

    private Dictionary<string, string> Cli(string clusterId, int gatewayPort) => new()
    {
        ["Mae__Cluster__ClusterId"] = clusterId,
        ["Mae__Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
        ["MAE_HOME"] = _root.Combine("cli-home"),
    };

    private static string Photos() => Path.Combine(RepositoryRoot.Find(), "tests", "data", "photos");

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
        _root.Dispose();
    }
}
