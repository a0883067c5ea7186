using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using Mae.Cluster.Bench.Coordinator;
using Mae.Cluster.Client;
using Mae.Cluster.Embedded;
using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Hosting;
using Mae.Cluster.Grains.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Mae.Cluster.Bench;

/// <summary>
/// <c>mae bench coordinator</c>: one synthetic job on an in-process silo whose workers do nothing, so the figures
/// are the coordinator's own — submit and enumeration time, shard lease+complete per second, and what grain storage
/// receives per completion (docs/benchmarks.md). Figures, not assertions.
/// </summary>
internal static class BenchCoordinatorCommand
{
    private const string Memory = "memory";
    private const string Azure = "azure";

    /// <summary>The real provider's own name; the job grains' name is given to the counter in front of it.</summary>
    private const string MeasuredStorage = GrainStorageNames.Jobs + "-measured";

    private const int WarmUpShards = 200;

    private static readonly TimeSpan StatusInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var shards = new Option<int>("--shards") { Description = "Shards in the synthetic job.", DefaultValueFactory = _ => 1_000_000 };
        shards.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 100_000_000)
            {
                r.AddError("--shards must be between 1 and 100,000,000.");
            }
        });
        var storage = new Option<string>("--storage") { Description = "Grain storage: memory, or azure (Azure Blob grain storage, e.g. Azurite).", DefaultValueFactory = _ => Memory };
        storage.AcceptOnlyFromAmong(Memory, Azure);
        var connectionString = new Option<string?>("--connection-string")
        {
            Description = "Azure Storage connection string for --storage azure (default: the Mae__Cluster__ConnectionString environment variable). Never printed.",
        };
        var workers = new Option<int>("--workers") { Description = "Concurrent no-op shard workers (one per fake device).", DefaultValueFactory = _ => 16 };
        workers.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1024)
            {
                r.AddError("--workers must be between 1 and 1024.");
            }
        });
        var partitionSize = new Option<int>("--partition-size") { Description = "Shards per partition grain.", DefaultValueFactory = _ => new CoordinatorOptions().PartitionSize };
        partitionSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 65_536)
            {
                r.AddError("--partition-size must be between 1 and 65,536.");
            }
        });

        var shardSeconds = new Option<double>("--shard-seconds")
        {
            Description = "How long each no-op shard takes, as a device would (0: at once). Shows the grain calls a shard of that length costs.",
            DefaultValueFactory = _ => 0,
        };
        shardSeconds.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 3600)
            {
                r.AddError("--shard-seconds must be between 0 and 3600.");
            }
        });
        var pollWait = new Option<double>("--poll-wait")
        {
            Description = "Longest wait of one poll for a running shard, in seconds (Mae:Worker:RunPollWait).",
            DefaultValueFactory = _ => new WorkerOptions().RunPollWait.TotalSeconds,
        };

        var persistInterval = new Option<double>("--persist-interval")
        {
            Description = "How long a partition gathers shard outcomes into one storage write, in seconds (Mae:Coordinator:PersistInterval).",
            DefaultValueFactory = _ => new CoordinatorOptions().PersistInterval.TotalSeconds,
        };
        persistInterval.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 60)
            {
                r.AddError("--persist-interval must be between 0 and 60 seconds.");
            }
        });

        var command = new Command("coordinator", "Shard lease+complete per second, bytes persisted and grain calls per completion, with a no-op pipeline.")
        {
            shards, storage, connectionString, workers, partitionSize, shardSeconds, pollWait, persistInterval,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new Settings(
                parse.GetValue(shards),
                parse.GetValue(storage)!,
                parse.GetValue(connectionString) ?? Environment.GetEnvironmentVariable("Mae__Cluster__ConnectionString"),
                parse.GetValue(workers),
                parse.GetValue(partitionSize),
                TimeSpan.FromSeconds(parse.GetValue(shardSeconds)),
                TimeSpan.FromSeconds(parse.GetValue(pollWait)),
                TimeSpan.FromSeconds(parse.GetValue(persistInterval)));
            if (settings.Storage == Azure && string.IsNullOrWhiteSpace(settings.ConnectionString))
            {
                throw new RequestRefusedException("--storage azure needs --connection-string (or Mae__Cluster__ConnectionString), e.g. Azurite's development connection string.");
            }
            await RunAsync(settings, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private sealed record Settings(int Shards, string Storage, string? ConnectionString, int Workers, int PartitionSize, TimeSpan ShardTime, TimeSpan PollWait,
        TimeSpan PersistInterval);

    private static async Task RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var tally = new GrainStorageWriteTally();
        var calls = new GrainCallTally();
        using var host = BuildSilo(settings, tally, calls);
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var client = new MaeClusterClient(host.Services.GetRequiredService<IClusterClient>());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"machine: {Environment.ProcessorCount} cores; one in-process silo, {settings.Workers} no-op workers, partition size {settings.PartitionSize}, persist interval {settings.PersistInterval.TotalMilliseconds:F0} ms, grain storage {StorageName(settings)}"));
            // A small job first, so the measured one finds the code compiled and the grains' storage initialised.
            await MeasureAsync(client, WarmUpShards, reportProgress: false, cancellationToken).ConfigureAwait(false);
            var before = tally.Snapshot();
            var callsBefore = calls.Snapshot();
            var run = await MeasureAsync(client, settings.Shards, reportProgress: true, cancellationToken).ConfigureAwait(false);
            Report(settings, run, Since(before, tally.Snapshot()));
            ReportCalls(run, callsBefore, calls.Snapshot());
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A silo built like a real one (<see cref="MaeSiloHosting.UseMaeClustering"/>, the coordinator, the shard workers)
    /// on free loopback ports, with the pipeline replaced by a synthetic catalog and a no-op executor, and the job
    /// grains' storage wrapped in a counter.
    /// </summary>
    private static IHost BuildSilo(Settings settings, GrainStorageWriteTally tally, GrainCallTally calls)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        QuietLogging.Configure(builder.Logging);
        var siloPort = LoopbackPorts.Free();
        var cluster = new MaeClusterOptions
        {
            ClusterId = $"mae-bench-{Guid.NewGuid():N}",
            ServiceId = "mae-bench",
            SiloPort = siloPort,
            GatewayPort = LoopbackPorts.Free(),
            PrimarySiloEndpoint = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{siloPort}"),
        };
        builder.UseOrleans(silo =>
        {
            silo.UseMaeClustering(cluster);
            silo.AddIncomingGrainCallFilter(calls);
            if (settings.Storage == Azure)
            {
                var connection = settings.ConnectionString!;
                silo.AddAzureBlobGrainStorage(MeasuredStorage, o => o.BlobServiceClient = new BlobServiceClient(connection));
            }
            else
            {
                silo.AddMemoryGrainStorage(MeasuredStorage);
            }
            // Registered after UseMaeClustering, so this registration of the job grains' provider is the one resolved.
            silo.Services.AddGrainStorage(GrainStorageNames.Jobs, (sp, _) => new CountingGrainStorage(
                sp.GetRequiredKeyedService<IGrainStorage>(MeasuredStorage), sp.GetRequiredService<IGrainStorageSerializer>(), tally));
        });
        builder.Services.AddMaeCoordinator();
        builder.Services.Configure<CoordinatorOptions>(o =>
        {
            o.PartitionSize = settings.PartitionSize;
            o.PersistInterval = settings.PersistInterval;
        });
        // Idle workers ask again quickly, so the job starts as soon as it is enumerated.
        builder.Services.Configure<WorkerOptions>(o =>
        {
            o.IdleDelay = TimeSpan.FromMilliseconds(10);
            o.RunPollWait = settings.PollWait;
        });
        var noOp = new NoOpShardExecutor(settings.ShardTime);
        builder.Services.AddSingleton<Grains.Jobs.IJobInputCatalog, SyntheticInputCatalog>();
        builder.Services.AddSingleton<Grains.Jobs.IJobOutputCommitter, DiscardedJobOutput>();
        builder.Services.AddSingleton<IShardExecutorFactory>(noOp);
        builder.Services.AddShardWorkers(Enumerable.Range(0, settings.Workers).Select(i => string.Create(CultureInfo.InvariantCulture, $"noop{i}")));
        return builder.Build();
    }

    private sealed record Run(TimeSpan Submit, TimeSpan Enumerate, TimeSpan Processing, double SteadyRate, JobStatus Final);

    /// <summary>Submits, waits for the job to run, then samples its progress until it ends.</summary>
    private static async Task<Run> MeasureAsync(MaeClusterClient client, int shards, bool reportProgress, CancellationToken cancellationToken)
    {
        var jobId = $"bench-coordinator-{Guid.NewGuid():N}";
        var watch = Stopwatch.StartNew();
        await client.SubmitAsync(SyntheticInputCatalog.Spec(shards), jobId).ConfigureAwait(false);
        var submit = watch.Elapsed;

        var samples = new List<(TimeSpan At, int Done)>();
        TimeSpan? running = null;
        var lastProgress = TimeSpan.Zero;
        JobStatus status;
        while (true)
        {
            status = await client.GetStatusAsync(jobId, cancellationToken).ConfigureAwait(false);
            var now = watch.Elapsed;
            if (status.State != JobState.Pending)
            {
                running ??= now;
                samples.Add((now, status.ShardsDone));
            }
            if (status.State.IsTerminal())
            {
                break;
            }
            if (reportProgress && now - lastProgress >= ProgressInterval)
            {
                lastProgress = now;
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{now.TotalSeconds:F0} s: {status.State}, {status.ShardsDone:N0} of {shards:N0} shards done")).ConfigureAwait(false);
            }
            await Task.Delay(running is null ? TimeSpan.FromMilliseconds(5) : StatusInterval, cancellationToken).ConfigureAwait(false);
        }
        if (status.State != JobState.Completed)
        {
            throw new InvalidOperationException($"The benchmark job ended {status.State}: {status.Reason}");
        }
        var enumerated = running!.Value;
        return new Run(submit, enumerated - submit, watch.Elapsed - enumerated, SteadyRate(samples, shards), status);
    }

    /// <summary>Completions per second between 10 % and 90 % done: start-up and the last stragglers left out.</summary>
    private static double SteadyRate(List<(TimeSpan At, int Done)> samples, int shards)
    {
        var from = samples.FirstOrDefault(s => s.Done >= shards / 10);
        var to = samples.FirstOrDefault(s => s.Done >= shards * 9L / 10);
        var seconds = (to.At - from.At).TotalSeconds;
        return seconds > 0 ? (to.Done - from.Done) / seconds : double.NaN;
    }

    /// <summary>The writes made after <paramref name="before"/> was taken.</summary>
    private static Dictionary<string, StateWrites> Since(IReadOnlyDictionary<string, StateWrites> before, IReadOnlyDictionary<string, StateWrites> now) =>
        now.Select(e => before.TryGetValue(e.Key, out var b)
                ? KeyValuePair.Create(e.Key, new StateWrites(e.Value.Writes - b.Writes, e.Value.Bytes - b.Bytes, e.Value.LargestWrite))
                : e)
           .Where(e => e.Value.Writes > 0)
           .ToDictionary(StringComparer.Ordinal);

    private static void Report(Settings settings, Run run, IReadOnlyDictionary<string, StateWrites> writes)
    {
        var completions = run.Final.ShardsDone;
        long totalWrites = writes.Values.Sum(w => w.Writes), totalBytes = writes.Values.Sum(w => w.Bytes);
        Console.WriteLine();
        Console.WriteLine("| measurement | value |");
        Console.WriteLine("|---|---:|");
        Row("shards", settings.Shards.ToString("N0", CultureInfo.InvariantCulture));
        Row("shard completions", completions.ToString("N0", CultureInfo.InvariantCulture));
        Row("submit returned after (ms)", run.Submit.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture));
        Row("enumerated, job running after (ms)", run.Enumerate.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture));
        Row("lease+complete per second, whole job", (completions / run.Processing.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture));
        Row("lease+complete per second, steady state (10–90 %)", run.SteadyRate.ToString("F0", CultureInfo.InvariantCulture));
        Row("grain storage writes per completion", ((double)totalWrites / completions).ToString("F3", CultureInfo.InvariantCulture));
        Row("bytes persisted per completion", ((double)totalBytes / completions).ToString("F0", CultureInfo.InvariantCulture));
        if (writes.TryGetValue("partition", out var partition))
        {
            Row("partition state size (bytes, largest write)", partition.LargestWrite.ToString("N0", CultureInfo.InvariantCulture));
        }

        Console.WriteLine();
        Console.WriteLine("| grain state | writes | bytes | bytes per write | largest write |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (state, w) in writes.OrderByDescending(e => e.Value.Bytes))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {state} | {w.Writes:N0} | {w.Bytes:N0} | {(double)w.Bytes / w.Writes:F0} | {w.LargestWrite:N0} |"));
        }
    }

    /// <summary>
    /// Grain calls the measured job cost per completed shard, by method; the benchmark's own status polling
    /// (<c>IJobGrain.GetStatusAsync</c>) is left out: it is the client's, not the shard's.
    /// </summary>
    private static void ReportCalls(Run run, IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> now)
    {
        var completions = Math.Max(1, run.Final.ShardsDone);
        var calls = now.Select(e => (Method: e.Key, Count: e.Value - before.GetValueOrDefault(e.Key)))
            .Where(e => e.Count > 0 && !e.Method.EndsWith(".GetStatusAsync", StringComparison.Ordinal))
            .OrderByDescending(e => e.Count)
            .ToList();
        Console.WriteLine();
        Console.WriteLine("| grain call | calls | per completion |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (method, count) in calls)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {method} | {count:N0} | {(double)count / completions:F2} |"));
        }
        var total = calls.Sum(c => c.Count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| all of them | {total:N0} | {(double)total / completions:F2} |"));
    }

    private static void Row(string name, string value) => Console.WriteLine($"| {name} | {value} |");

    /// <summary>The store, without its key: for Azure the blob endpoint only.</summary>
    private static string StorageName(Settings settings) => settings.Storage == Azure
        ? $"Azure Blob at {new BlobServiceClient(settings.ConnectionString).Uri}"
        : "memory";
}
