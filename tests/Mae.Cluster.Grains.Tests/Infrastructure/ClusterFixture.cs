using Mae.Cluster.Grains.Jobs;
using Mae.Cluster.Grains.Workers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>
/// Three in-process silos, each with two fake devices, persisting to storage that outlives the silos. Leases are
/// short (2 s) so a killed silo's shards come back quickly.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public const int PartitionSize = 64;

    internal FakeWork Work { get; } = new();

    internal SharedGrainStorage Storage { get; } = new();

    internal RecordingJobOutput Outputs { get; } = new();

    internal GrainCallCounter Calls { get; } = new();

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Client => Cluster.Client;

    public ClusterFixture()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            var services = silo.Services;
            silo.AddIncomingGrainCallFilter(Calls);
            services.AddGrainStorage(GrainStorageNames.Jobs, (sp, _) => Storage.ForSilo(sp.GetRequiredService<Serializer>()));
            services.AddSingleton<IJobInputCatalog, FakeInputCatalog>();
            services.AddSingleton<IJobOutputCommitter>(Outputs);
            services.AddSingleton<IShardExecutorFactory>(new FakeShardExecutorFactory(Work, options.SiloName));
            services.AddMaeCoordinator();
            services.Configure<CoordinatorOptions>(o =>
            {
                o.PartitionSize = PartitionSize;
                o.LeaseDuration = TimeSpan.FromSeconds(2);
            });
            services.Configure<WorkerOptions>(o =>
            {
                o.RenewInterval = TimeSpan.FromMilliseconds(300);
                o.IdleDelay = TimeSpan.FromMilliseconds(50);
                o.Prefetch = 1;
            });
            services.AddShardWorkers(["device0", "device1"]);
        });
        Cluster = builder.Build();
    }

    public async ValueTask InitializeAsync() => await Cluster.DeployAsync();

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Work.Dispose();
        GC.SuppressFinalize(this);
    }

    public IJobGrain Job(string jobId) => Client.GetGrain<IJobGrain>(jobId);

    /// <summary>Polls the job's status until <paramref name="until"/> holds, failing with the last status after the deadline.</summary>
    public Task<JobStatus> WaitForAsync(string jobId, Func<JobStatus, bool> until, TimeSpan? deadline = null) =>
        JobStatusPolling.WaitForAsync(Job(jobId), jobId, until, deadline ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50));

    public Task<JobStatus> WaitForStateAsync(string jobId, JobState state, TimeSpan? deadline = null) =>
        WaitForAsync(jobId, s => s.State == state || (s.State.IsTerminal() && state != s.State && Fail(s, state)), deadline);

    private static bool Fail(JobStatus status, JobState expected)
    {
        Assert.Fail($"Job {status.JobId} ended {status.State} ({status.Reason}) instead of {expected}: {status}");
        return false;
    }

    public static string NewJobId(string name) => $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)];
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster";
}

/// <summary>A cluster of its own for tests that kill and add silos, so they never disturb the others.</summary>
public sealed class ChurnClusterFixture : ClusterFixture;

[CollectionDefinition(Name)]
public sealed class ChurnClusterCollection : ICollectionFixture<ChurnClusterFixture>
{
    public const string Name = "ChurnCluster";
}
