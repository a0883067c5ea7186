using Mae.Cluster.Grains.Execution;
using Mae.Cluster.Grains.Jobs;
using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Inference.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>
/// Two in-process silos whose one device each is simulated (<c>sim:400</c>), with the real input listing, output
/// claim, shard executor and coordinator; the job names the tiny checkpoint, whose config.json gives the width.
/// </summary>
public sealed class SimulatedDeviceClusterFixture : IAsyncLifetime
{
    public const string Device = "sim:400";

    private readonly TempDirectory _root = new();
    private readonly ModelResolver _models = new();

    public SimulatedDeviceClusterFixture()
    {
        Model = Path.Combine(_root.Path, "tiny");
        TinyCheckpoint.Write(Model);
        var inference = new InferenceOptions { BatchSize = 4, GraphCacheDirectory = Path.Combine(_root.Path, "graphs") };
        var workers = new WorkerOptions { AllowSimulatedDevices = true };

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(GrainStorageNames.Jobs);
            var services = silo.Services;
            services.AddSingleton<IJobInputCatalog>(new StoredInputCatalog(inference, _models, TimeProvider.System));
            services.AddSingleton<IJobOutputCommitter>(new StoredJobOutput(TimeProvider.System));
            services.AddSingleton<IShardExecutorFactory>(sp => new PipelineShardExecutorFactory(
                Options.Create(inference), _models, sp.GetRequiredService<ILoggerFactory>(), workers: Options.Create(workers)));
            services.AddMaeCoordinator();
            services.Configure<CoordinatorOptions>(o => o.PartitionSize = 4);
            services.Configure<WorkerOptions>(o =>
            {
                o.AllowSimulatedDevices = true;
                o.IdleDelay = TimeSpan.FromMilliseconds(50);
            });
            services.AddShardWorkers([Device]);
        });
        Cluster = builder.Build();
    }

    public InProcessTestCluster Cluster { get; }

    /// <summary>The tiny checkpoint's folder: the job spec's model.</summary>
    public string Model { get; }

    public static int HiddenSize => TinyCheckpoint.DefaultConfig.HiddenSize;

    public string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root.Path, $"{name}-{Guid.NewGuid():N}")).FullName;

    public async ValueTask InitializeAsync() => await Cluster.DeployAsync();

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _models.Dispose();
        _root.Dispose();
    }
}
