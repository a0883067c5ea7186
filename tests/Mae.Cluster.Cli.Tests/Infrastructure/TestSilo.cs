using System.Globalization;
using Mae.Cluster.Embedded;
using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Hosting;
using Mae.Cluster.Inference.Checkpoints;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Cli.Tests.Infrastructure;

/// <summary>
/// A real silo in the test process, built by AddMaeSilo like src/Silo: Development clustering on free loopback ports,
/// the real pipeline on the CPU, the tiny checkpoint in a folder. The <c>mae</c> child processes reach it through
/// <see cref="Environment"/> (Mae__Cluster__* variables), as a user's shell would.
/// </summary>
public class TestSilo : IAsyncLifetime
{
    private readonly TempDirectory _root = new();
    private IHost? _host;

    public TestSilo()
    {
        Model = _root.Combine("tiny");
        TinyCheckpoint.Write(Model);
        var ports = LoopbackPorts.Free(2);
        ClusterId = $"mae-test-{Guid.NewGuid():N}";
        GatewayPort = ports[1];
        SiloPort = ports[0];
        Environment = new Dictionary<string, string>
        {
            ["MAE_HOME"] = _root.Combine("mae-home"),
            ["Mae__Cluster__ClusterId"] = ClusterId,
            ["Mae__Cluster__ServiceId"] = "mae-test",
            ["Mae__Cluster__GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The silo's <c>Mae:Worker:Devices</c>.</summary>
    protected virtual string Devices => "cpu";

    /// <summary>The silo's <c>Mae:Worker:AllowSimulatedDevices</c>.</summary>
    protected virtual bool AllowSimulatedDevices => false;

    /// <summary>The tiny checkpoint's folder, readable by the silo and the client alike.</summary>
    public string Model { get; }

    public string ClusterId { get; }

    public int GatewayPort { get; }

    public int SiloPort { get; }

    /// <summary>What a <c>mae</c> process needs to find this cluster (and a model cache of its own).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    internal TempDirectory Temp => _root;

    public IClusterClient Client => _host!.Services.GetRequiredService<IClusterClient>();

    public async ValueTask InitializeAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mae:Cluster:ClusterId"] = ClusterId,
            ["Mae:Cluster:ServiceId"] = "mae-test",
            ["Mae:Cluster:Clustering"] = "Development",
            ["Mae:Cluster:SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture),
            ["Mae:Cluster:PrimarySiloEndpoint"] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{SiloPort}"),
            ["Mae:Cluster:GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Mae:Coordinator:PartitionSize"] = "4",
            ["Mae:Worker:Devices"] = Devices,
            ["Mae:Worker:AllowSimulatedDevices"] = AllowSimulatedDevices ? "true" : "false",
            ["Mae:Worker:IdleDelay"] = "00:00:00.050",
            ["Mae:Worker:RenewInterval"] = "00:00:01",
            ["Mae:Inference:BatchSize"] = "4",
            ["Mae:Inference:GraphCacheDirectory"] = _root.Combine("graphs"),
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddMaeSilo();
        _host = builder.Build();
        await _host.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None);
            _host.Dispose();
        }
        _root.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs <c>mae</c> against this cluster.</summary>
    internal Task<ProgramResult> MaeAsync(params string[] args) => BuiltProgram.Mae.RunAsync(Environment, args);

    public IJobGrain Job(string jobId) => Client.GetGrain<IJobGrain>(jobId);

    /// <summary>Polls the job until <paramref name="until"/> holds, failing with the last status after two minutes.</summary>
    public async Task<JobStatus> WaitForAsync(string jobId, Func<JobStatus, bool> until)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        JobStatus? last = null;
        while (!deadline.IsCancellationRequested)
        {
            last = await Job(jobId).GetStatusAsync();
            if (until(last))
            {
                return last;
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"Job {jobId} never reached the expected status; last: {last}");
        return last!;
    }
}

/// <summary>A silo of its own for the refusal tests, so "no job was created" can be checked as an empty job list.</summary>
public sealed class RefusalTestSilo : TestSilo;

/// <summary>A silo whose one device is simulated at one image a second: its shards stay in flight long enough to be seen.</summary>
public sealed class SlowDeviceTestSilo : TestSilo
{
    public const string Device = "sim:1";

    protected override string Devices => Device;

    protected override bool AllowSimulatedDevices => true;
}

/// <summary>A silo that only coordinates (<c>Devices=none</c>): its jobs are listed and wait, never computed, until cancelled.</summary>
public sealed class CoordinatorOnlyTestSilo : TestSilo
{
    protected override string Devices => "none";
}
