using System.Globalization;
using Mae.Cluster.Client;
using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Execution;
using Mae.Cluster.Grains.Hosting;
using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Inference.Onnx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mae.Cluster.Embedded;

/// <summary>How <c>mae run</c>'s in-process silo runs the model: the silo settings a standalone silo reads from configuration.</summary>
public sealed record EmbeddedSiloSettings(
    ExecutionDevice Device, int BatchSize, Precision Precision, string GraphCacheDirectory, int InferenceThreads, int DecodeThreads, ImageDecodeMode DecodeMode);

/// <summary>
/// A one-silo cluster inside the <c>mae run</c> process, built by <see cref="MaeSiloHosting.AddMaeSilo"/> exactly like a
/// standalone silo, from in-memory configuration: Development clustering on free loopback ports under a cluster id
/// of its own (so it never joins or disturbs a dev cluster on this machine) and one worker on the chosen device.
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    /// <summary>How long stopping may take: workers release their leases, the silo leaves its one-silo cluster.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly IHost _host;

    private EmbeddedCluster(IHost host)
    {
        _host = host;
        Jobs = new MaeClusterClient(host.Services.GetRequiredService<IClusterClient>());
    }

    public MaeClusterClient Jobs { get; }

    /// <param name="configFile">
    /// Silo settings shaped like <c>src/Silo/appsettings.json</c> (for example <c>Mae:Worker:ShardsInFlight</c>), read
    /// before the environment (<c>Mae__…</c>); the command's own options and this cluster's identity and ports win over both.
    /// </param>
    public static async Task<EmbeddedCluster> StartAsync(EmbeddedSiloSettings settings, string? configFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new RequestRefusedException($"--config {configFile}: the file does not exist.");
            }
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(Configuration(settings));
        QuietLogging.Configure(builder.Logging);
        builder.AddMaeSilo();
        // Ctrl-C belongs to the command, which cancels the job before stopping the silo; the console lifetime would
        // stop the silo first.
        builder.Services.AddSingleton<IHostLifetime, CommandOwnedLifetime>();
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return new EmbeddedCluster(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private static Dictionary<string, string?> Configuration(EmbeddedSiloSettings settings)
    {
        string Key(string section, string name) => $"{section}:{name}";
        var invariant = CultureInfo.InvariantCulture;
        var ports = LoopbackPorts.Free(2);
        var (siloPort, gatewayPort) = (ports[0], ports[1]);
        return new Dictionary<string, string?>
        {
            [Key(MaeClusterOptions.Section, nameof(MaeClusterOptions.ClusterId))] = $"mae-run-{Guid.NewGuid():N}",
            [Key(MaeClusterOptions.Section, nameof(MaeClusterOptions.ServiceId))] = "mae-run",
            [Key(MaeClusterOptions.Section, nameof(MaeClusterOptions.Clustering))] = MaeClusterOptions.Development,
            [Key(MaeClusterOptions.Section, nameof(MaeClusterOptions.SiloPort))] = siloPort.ToString(invariant),
            [Key(MaeClusterOptions.Section, nameof(MaeClusterOptions.GatewayPort))] = gatewayPort.ToString(invariant),
            // Its own primary: a dev cluster on the default ports of this machine is not its to join.
            [Key(MaeClusterOptions.Section, nameof(MaeClusterOptions.PrimarySiloEndpoint))] = string.Create(invariant, $"127.0.0.1:{siloPort}"),
            [Key(WorkerOptions.Section, nameof(WorkerOptions.Devices))] = settings.Device.ToString(),
            // One silo: no one else to hand work to, so ask again soon rather than idling a second between shards.
            [Key(WorkerOptions.Section, nameof(WorkerOptions.IdleDelay))] = "00:00:00.050",
            [Key(InferenceOptions.Section, nameof(InferenceOptions.BatchSize))] = settings.BatchSize.ToString(invariant),
            [Key(InferenceOptions.Section, nameof(InferenceOptions.Precision))] = settings.Precision.ToString(),
            [Key(InferenceOptions.Section, nameof(InferenceOptions.GraphCacheDirectory))] = settings.GraphCacheDirectory,
            [Key(InferenceOptions.Section, nameof(InferenceOptions.InferenceThreads))] = settings.InferenceThreads.ToString(invariant),
            [Key(InferenceOptions.Section, nameof(InferenceOptions.DecodeThreads))] = settings.DecodeThreads.ToString(invariant),
            [Key(InferenceOptions.Section, nameof(InferenceOptions.DecodeMode))] = settings.DecodeMode.ToString(),
        };
    }

    /// <summary>Stops the silo: its worker stops first and releases queued and interrupted leases.</summary>
    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(StopTimeout);
        try
        {
            await _host.StopAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Past the timeout the process exits anyway; committed shards are safe, the rest is redone on a rerun.
        }
        _host.Dispose();
    }

    /// <summary>A host lifetime that leaves signals alone: the command decides when the embedded silo stops.</summary>
    private sealed class CommandOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
