using System.Formats.Tar;
using Mae.Cluster.Grains.Jobs;
using Mae.Cluster.Grains.Execution;
using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Inference.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.TestingHost;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>
/// Two in-process silos running the real pipeline (the tiny checkpoint on the CPU, one device each) against local
/// folders, with grain storage that outlives the silos. Holds the tiny checkpoint and a graph cache for all tests.
/// </summary>
public class PipelineClusterFixture : IAsyncLifetime
{
    private static readonly string PhotoFolder = TestPhotos.Directory;

    private readonly TempDirectory _root = new();

    private readonly ModelResolver _models = new();

    internal SharedGrainStorage Storage { get; } = new();

    internal ExecutionCounts Executions { get; } = new();

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Client => Cluster.Client;

    /// <summary>The tiny checkpoint's folder: the job spec's model.</summary>
    public string Model { get; }

    public PipelineClusterFixture()
    {
        Model = Path.Combine(_root.Path, "tiny");
        TinyCheckpoint.Write(Model);
        var inference = new InferenceOptions { BatchSize = 4, GraphCacheDirectory = Path.Combine(_root.Path, "graphs") };

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((options, silo) =>
        {
            var services = silo.Services;
            AddJobStorage(services);
            services.AddSingleton<IJobInputCatalog>(new StoredInputCatalog(inference, _models, TimeProvider.System));
            services.AddSingleton<IJobOutputCommitter>(new StoredJobOutput(TimeProvider.System));
            services.AddSingleton<IShardExecutorFactory>(sp => new CountingExecutorFactory(
                new PipelineShardExecutorFactory(Options.Create(inference), _models, sp.GetRequiredService<ILoggerFactory>()), Executions));
            services.AddMaeCoordinator();
            services.Configure<CoordinatorOptions>(o =>
            {
                o.PartitionSize = 2;
                o.LeaseDuration = TimeSpan.FromSeconds(5);
            });
            services.Configure<WorkerOptions>(o =>
            {
                o.RenewInterval = TimeSpan.FromMilliseconds(500);
                o.IdleDelay = TimeSpan.FromMilliseconds(50);
                o.Prefetch = 1;
            });
            services.AddShardWorkers(["cpu"]);
        });
        Cluster = builder.Build();
    }

    public virtual async ValueTask InitializeAsync() => await Cluster.DeployAsync();

    public virtual async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _models.Dispose();
        _root.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The silos' job grain storage; by default one in the test process that outlives the silos.</summary>
    protected virtual void AddJobStorage(IServiceCollection services) =>
        services.AddGrainStorage(GrainStorageNames.Jobs, (sp, _) => Storage.ForSilo(sp.GetRequiredService<Serializer>()));

    public IJobGrain Job(string jobId) => Client.GetGrain<IJobGrain>(jobId);

    /// <summary>
    /// A fresh input folder holding the test photos dealt round-robin into <paramref name="shards"/> WebDataset tars
    /// (member "name.ext", so the key is the photo's name); returns the folder and every key per tar.
    /// </summary>
    public (string Folder, IReadOnlyList<string[]> Keys) WriteTarInput(int shards)
    {
        var folder = Path.Combine(_root.Path, $"input-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var photos = Directory.GetFiles(PhotoFolder).Where(p => p.EndsWith(".jpg", StringComparison.Ordinal) || p.EndsWith(".png", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        var keys = new List<string[]>();
        for (var s = 0; s < shards; s++)
        {
            var members = photos.Where((_, i) => i % shards == s).ToArray();
            using (var tar = File.Create(Path.Combine(folder, $"shard-{s:D3}.tar")))
            using (var writer = new TarWriter(tar, TarEntryFormat.Pax))
            {
                foreach (var photo in members)
                {
                    writer.WriteEntry(photo, Path.GetFileName(photo));
                }
            }
            keys.Add(members.Select(Path.GetFileNameWithoutExtension).ToArray()!);
        }
        return (folder, keys);
    }

    /// <summary>A fresh input folder holding every test photo loose; returns the folder and the photos' keys.</summary>
    public (string Folder, string[] Keys) WriteLooseInput()
    {
        var folder = Path.Combine(_root.Path, $"input-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var photos = Directory.GetFiles(PhotoFolder).Where(p => p.EndsWith(".jpg", StringComparison.Ordinal) || p.EndsWith(".png", StringComparison.Ordinal)).ToArray();
        foreach (var photo in photos)
        {
            File.Copy(photo, Path.Combine(folder, Path.GetFileName(photo)));
        }
        return (folder, photos.Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal).ToArray());
    }

    public string NewOutputFolder() => Path.Combine(_root.Path, $"output-{Guid.NewGuid():N}");

    public Task<JobStatus> WaitForStateAsync(string jobId, JobState state, TimeSpan? deadline = null) =>
        WaitForAsync(jobId, s => s.State == state || (s.State.IsTerminal() && Fail(s, state)), deadline);

    /// <summary>Polls the job's status until <paramref name="until"/> holds, failing with the last status after the deadline.</summary>
    public Task<JobStatus> WaitForAsync(string jobId, Func<JobStatus, bool> until, TimeSpan? deadline = null) =>
        JobStatusPolling.WaitForAsync(Job(jobId), jobId, until, deadline ?? TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(20));

    private static bool Fail(JobStatus status, JobState expected)
    {
        Assert.Fail($"Job {status.JobId} ended {status.State} ({status.Reason}) instead of {expected}: {status}");
        return false;
    }
}

/// <summary>A real-pipeline cluster of its own for tests that stop and start silos.</summary>
public sealed class PipelineChurnClusterFixture : PipelineClusterFixture;

[CollectionDefinition(Name)]
public sealed class PipelineChurnClusterCollection : ICollectionFixture<PipelineChurnClusterFixture>
{
    public const string Name = "PipelineChurnCluster";
}

[CollectionDefinition(Name)]
public sealed class PipelineClusterCollection : ICollectionFixture<PipelineClusterFixture>
{
    public const string Name = "PipelineCluster";
}
