using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Mae.Cluster.Grains.Execution;
using Mae.Cluster.Grains.Jobs;
using Mae.Cluster.Grains.Postgres;
using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Inference.Simulation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Hosting;

/// <summary>
/// Makes a generic host a Mae silo from its configuration (sections <c>Mae:Cluster</c>, <c>Mae:Coordinator</c>,
/// <c>Mae:Worker</c>, <c>Mae:Inference</c>): the standalone silo and the CLI's embedded silo are built the same way.
/// </summary>
public static class MaeSiloHosting
{
    /// <exception cref="OptionsValidationException">The <c>Mae:Cluster</c> section is unusable.</exception>
    public static IHostApplicationBuilder AddMaeSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var cluster = builder.Configuration.GetSection(MaeClusterOptions.Section).Get<MaeClusterOptions>() ?? new MaeClusterOptions();
        var problems = cluster.Problems();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(MaeClusterOptions.Section, typeof(MaeClusterOptions), problems);
        }
        var workerSection = builder.Configuration.GetSection(WorkerOptions.Section);
        var workers = workerSection.Get<WorkerOptions>() ?? new WorkerOptions();
        var deviceProblems = DeviceProblems(workerSection, workers);
        if (deviceProblems.Count > 0)
        {
            throw new OptionsValidationException(WorkerOptions.Section, typeof(WorkerOptions), deviceProblems);
        }

        builder.Services.AddOptions<MaeClusterOptions>().BindConfiguration(MaeClusterOptions.Section);
        builder.Services.AddOptions<CoordinatorOptions>().BindConfiguration(CoordinatorOptions.Section);
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section);
        builder.Services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        builder.UseOrleans(silo => silo.UseMaeClustering(cluster));
        builder.Services.AddMaeCoordinator();
        builder.Services.AddMaePipeline();
        // After UseOrleans: workers stop first on shutdown and release their leases while the silo still answers.
        builder.Services.AddShardWorkers(workers.DeviceList().Select(CanonicalDevice));
        return builder;
    }

    /// <summary>
    /// Devices this build cannot run or that are listed twice, and simulated devices not allowed, found at start: a silo
    /// that took leases for a device it cannot use would fail every shard it leased and spend their attempts, a second
    /// worker on a device would only do what <see cref="WorkerOptions.ShardsInFlight"/> does, and a simulated device
    /// writes values that are not embeddings.
    /// </summary>
    private static List<string> DeviceProblems(IConfigurationSection workerSection, WorkerOptions workers)
    {
        var key = $"{WorkerOptions.Section}:{nameof(WorkerOptions.Devices)}";
        var problems = new List<string>();
        if (workerSection.GetSection(nameof(WorkerOptions.Devices)).GetChildren().Any())
        {
            problems.Add($"{key} is one comma-separated value (for example Mae__Worker__Devices=cuda:0,cuda:1), not numbered items.");
            return problems;
        }
        var devices = workers.DeviceList();
        if (devices.Count == 0 && !string.Equals(workers.Devices?.Trim(), WorkerOptions.NoDevices, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{key} is empty: name the devices (cpu, cuda:0, …), or write '{WorkerOptions.NoDevices}' for a silo that only coordinates.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var device in devices)
        {
            try
            {
                if (SimulatedDevice.Names(device) && !workers.AllowSimulatedDevices)
                {
                    problems.Add(WorkerOptions.SimulatedDeviceRefusal(device));
                    continue;
                }
                var parsed = CanonicalDevice(device);
                if (!seen.Add(parsed))
                {
                    problems.Add($"{key} names {parsed} twice: one worker runs each device ({WorkerOptions.Section}:{nameof(WorkerOptions.ShardsInFlight)} sets how many shards it runs at once).");
                    continue;
                }
                if (!SimulatedDevice.Names(parsed))
                {
                    OnnxSessionFactory.EnsureSupported(ExecutionDevice.Parse(parsed));
                }
            }
            catch (Exception e) when (e is ArgumentException or DeviceUnavailableException)
            {
                problems.Add($"{key} '{device}': {e.Message}");
            }
        }
        return problems;
    }

    /// <summary>A device's one spelling (<c>cuda</c> is <c>cuda:0</c>), the name its worker and metrics carry.</summary>
    /// <exception cref="ArgumentException">No device this build knows.</exception>
    private static string CanonicalDevice(string device) =>
        SimulatedDevice.TryParse(device, out var simulated) ? simulated.ToString() : ExecutionDevice.Parse(device).ToString();

    /// <summary>Clustering, grain storage and endpoints as <paramref name="cluster"/> says.</summary>
    public static ISiloBuilder UseMaeClustering(this ISiloBuilder silo, MaeClusterOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(cluster);
        silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        switch (cluster.Clustering)
        {
            case MaeClusterOptions.AzureStorage:
                var connection = cluster.ConnectionString!;
                silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connection));
                silo.AddAzureBlobGrainStorage(GrainStorageNames.Jobs, o => o.BlobServiceClient = new BlobServiceClient(connection));
                ConfigureAdvertisedEndpoints(silo, cluster);
                break;
            case MaeClusterOptions.Postgres:
                silo.UsePostgresClusteringAndStorage(cluster.ConnectionString!);
                ConfigureAdvertisedEndpoints(silo, cluster);
                break;
            default:
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, cluster.PrimarySilo(), cluster.ServiceId, cluster.ClusterId);
                silo.AddMemoryGrainStorage(GrainStorageNames.Jobs);
                break;
        }
        return silo;
    }

    /// <summary>A cluster whose membership lives in a table: this silo advertises its address there (loopback unless configured).</summary>
    private static void ConfigureAdvertisedEndpoints(ISiloBuilder silo, MaeClusterOptions cluster)
    {
        var advertised = cluster.AdvertisedAddress is { } address ? IPAddress.Parse(address) : IPAddress.Loopback;
        silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, cluster.ListenOnAnyAddress);
    }

    /// <summary>The real pipeline: input listing, output claims and per-device executors sharing one model cache.</summary>
    public static IServiceCollection AddMaePipeline(this IServiceCollection services)
    {
        services.AddSingleton<ModelResolver>(_ => new ModelResolver());
        services.AddSingleton<IJobInputCatalog>(sp => new StoredInputCatalog(
            sp.GetRequiredService<IOptions<InferenceOptions>>().Value, sp.GetRequiredService<ModelResolver>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IJobOutputCommitter>(sp => new StoredJobOutput(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IShardExecutorFactory, PipelineShardExecutorFactory>();
        return services;
    }
}
