using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using Mae.Cluster.Cli.Commands;
using Mae.Cluster.Client;
using Mae.Cluster.Embedded;
using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Hosting;
using Mae.Cluster.Inference.Simulation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Mae.Cluster.Bench;

/// <summary>
/// <c>mae bench cluster</c>: the same job (real pipeline, real photos as loose files) on 1, 2, 3… silos built by the
/// silo's own hosting, one <c>cpu</c> worker each — or one simulated device (<c>--simulated-rate</c>), which measures the
/// coordinator and the lease protocol rather than this machine's cores; in this process, or as silo processes
/// (<c>--processes</c>, <see cref="BenchClusterProcesses"/>). Images/s per silo count against the smallest count,
/// measured one after another in one run. Figures, not assertions (docs/benchmarks.md).
/// </summary>
internal static class BenchClusterCommand
{
    private static readonly TimeSpan StatusInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan JoinDeadline = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var model = CommonOptions.Model();
        model.Required = false;
        model.DefaultValueFactory = _ => "tiny";
        var images = new Option<int>("--images") { Description = "Images in the measured job (the photos repeated).", DefaultValueFactory = _ => 256 };
        images.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000)
            {
                r.AddError("--images must be between 1 and 1,000,000.");
            }
        });
        var silos = CommonOptions.NumberList("--silos", "Silo counts to measure", [1, 2, 3], min: 1, max: 16);
        var shardSize = new Option<int>("--shard-size") { Description = "Images per shard (more shards spread more evenly).", DefaultValueFactory = _ => 16 };
        shardSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000)
            {
                r.AddError("--shard-size must be between 1 and 1,000,000.");
            }
        });
        var batchSize = CommonOptions.BatchSize(16);
        var photos = new Option<string>("--photos") { Description = "Folder of JPEG photos to repeat into the job's input.", DefaultValueFactory = _ => "tests/data/photos" };
        var processes = new Option<bool>("--processes") { Description = "Run each silo as its own process (the built src/Silo program) rather than all in this one." };
        var simulatedRate = new Option<int?>("--simulated-rate")
        {
            Description = "Give each silo one simulated device of this many images/s (sim:RATE) instead of the model on the CPU; each job is then sized to run --seconds at the expected rate.",
        };
        simulatedRate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1 or > SimulatedDevice.MaxImagesPerSecond)
            {
                r.AddError($"--simulated-rate must be between 1 and {SimulatedDevice.MaxImagesPerSecond:N0} images/s.");
            }
        });
        var seconds = new Option<double>("--seconds") { Description = "With --simulated-rate: how long each job should run at silos × rate.", DefaultValueFactory = _ => 20 };
        seconds.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is not (>= 0.1 and <= 3600))
            {
                r.AddError("--seconds must be between 0.1 and 3600.");
            }
        });
        var storage = new Option<string>("--storage")
        {
            Description = "With --processes: development (the first silo holds membership and grain state in memory) or azure (Azure Table membership and Blob grain state, e.g. Azurite).",
            DefaultValueFactory = _ => Development,
        };
        storage.AcceptOnlyFromAmong(Development, Azure);
        var connectionString = new Option<string?>("--connection-string")
        {
            Description = "Azure Storage connection string for --storage azure (default: the Mae__Cluster__ConnectionString environment variable). Never printed.",
        };

        var command = new Command("cluster", "Images/s of one job on 1, 2 and 3 silos (in this process, or as silo processes) against the single-silo rate.")
        {
            model, images, silos.Option, shardSize, batchSize, photos, processes, simulatedRate, seconds, storage, connectionString,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cluster = ClusterOf(parse.GetValue(processes), parse.GetValue(storage)!,
                parse.GetValue(connectionString) ?? Environment.GetEnvironmentVariable("Mae__Cluster__ConnectionString"));
            var jpegs = Directory.Exists(parse.GetValue(photos))
                ? Directory.EnumerateFiles(parse.GetValue(photos)!, "*.jpg").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray()
                : [];
            if (jpegs.Length == 0)
            {
                throw new RequestRefusedException($"No .jpg photos in {parse.GetValue(photos)}.");
            }
            var modelName = parse.GetValue(model)!;
            var settings = new Settings(
                Directory.Exists(modelName) ? Path.GetFullPath(modelName) : modelName,
                parse.GetValue(images),
                silos.ValueOf(parse),
                parse.GetValue(shardSize),
                parse.GetValue(batchSize),
                parse.GetValue(simulatedRate),
                parse.GetValue(seconds),
                cluster);
            await RunAsync(settings, jpegs, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private const string Development = "development";
    private const string Azure = "azure";

    /// <summary>What one run measures; <paramref name="Processes"/> null for silos in this process.</summary>
    internal sealed record Settings(string Model, int Images, int[] SiloCounts, int ShardSize, int BatchSize, int? SimulatedRate, double Seconds,
        MaeClusterOptions? Processes)
    {
        /// <summary>The measured job's size on <paramref name="silos"/> silos: --seconds at the simulated rate, else --images.</summary>
        public int ImagesFor(int silos) => SimulatedRate is { } rate ? (int)Math.Ceiling(silos * rate * Seconds) : Images;

        public string Device => SimulatedRate is { } rate ? new SimulatedDevice(rate).ToString() : "cpu";
    }

    /// <summary>One silo count's figures; <paramref name="PeakResidentBytes"/> per silo process, null in process mode.</summary>
    internal sealed record Measurement(int Silos, long Images, int Shards, TimeSpan Elapsed, IReadOnlyList<long?>? PeakResidentBytes = null)
    {
        public double ImagesPerSecond => Images / Elapsed.TotalSeconds;
    }

    /// <summary>The cluster the silo processes form (null: silos in this process); --storage azure needs a connection string.</summary>
    private static MaeClusterOptions? ClusterOf(bool processes, string storage, string? connectionString)
    {
        if (!processes)
        {
            return storage == Development ? null : throw new RequestRefusedException("--storage azure needs --processes: in-process silos keep their state in memory.");
        }
        if (storage == Azure && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new RequestRefusedException("--storage azure needs --connection-string (or Mae__Cluster__ConnectionString), e.g. Azurite's development connection string.");
        }
        return new MaeClusterOptions
        {
            ClusterId = $"mae-bench-{Guid.NewGuid():N}",
            ServiceId = $"mae-bench-{Guid.NewGuid():N}",
            Clustering = storage == Azure ? MaeClusterOptions.AzureStorage : MaeClusterOptions.Development,
            ConnectionString = storage == Azure ? connectionString : null,
        };
    }

    private static async Task RunAsync(Settings settings, byte[][] jpegs, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("mae-bench-cluster-");
        try
        {
            var what = settings.SimulatedRate is { } rate
                ? string.Create(CultureInfo.InvariantCulture,
                    $"one simulated device {settings.Device} per silo (no decoding, no model); each job silos × {rate} images/s × {settings.Seconds:0.#} s of {SyntheticImageBytes} B synthetic loose files")
                : string.Create(CultureInfo.InvariantCulture, $"model {settings.Model}, {settings.Images} JPEGs as loose files; one cpu worker per silo");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"machine: {Environment.ProcessorCount} cores; {what}; shards of {settings.ShardSize}, batch {settings.BatchSize}"));
            Console.WriteLine(settings.Processes is { } cluster
                ? $"note: each silo is its own process ({cluster.Clustering} clustering); they still share this machine's cores."
                : "note: all silos run in this one process and share its cores; on a 2-core machine more silos add no compute, so ratios near 1 are expected there.");
            var results = new List<Measurement>();
            foreach (var count in settings.SiloCounts)
            {
                var images = settings.ImagesFor(count);
                var input = settings.SimulatedRate is null
                    ? WriteLooseImages(Path.Combine(work.FullName, $"input-{count}"), jpegs, images)
                    : WriteSyntheticImages(Path.Combine(work.FullName, $"input-{count}"), images);
                var measurement = settings.Processes is { } processes
                    ? await BenchClusterProcesses.MeasureAsync(settings, processes, count, jpegs, input, work.FullName, cancellationToken).ConfigureAwait(false)
                    : await MeasureAsync(settings, count, jpegs, input, work.FullName, cancellationToken).ConfigureAwait(false);
                results.Add(measurement);
                Directory.Delete(input, recursive: true);
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{count} silo(s): {measurement.Images} images in {measurement.Elapsed.TotalSeconds:F1} s")).ConfigureAwait(false);
            }
            Console.WriteLine();
            WriteTable(results);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The table as before, with each silo process's peak resident memory when the silos were processes.</summary>
    private static void WriteTable(List<Measurement> results)
    {
        var baseline = results[0];
        var memory = results.Any(r => r.PeakResidentBytes is not null);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| silos | images | shards | seconds | images/s | ratio to {baseline.Silos} silo{(baseline.Silos == 1 ? "" : "s")} |{(memory ? " peak RSS per silo process (MiB) |" : "")}"));
        Console.WriteLine(memory ? "|---:|---:|---:|---:|---:|---:|---|" : "|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var rss = r.PeakResidentBytes is { } peaks
                ? " " + string.Join(", ", peaks.Select(b => b is { } bytes ? (bytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture) : "?")) + " |"
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Silos} | {r.Images} | {r.Shards} | {r.Elapsed.TotalSeconds:F2} | {r.ImagesPerSecond:F2} | {r.ImagesPerSecond / baseline.ImagesPerSecond:F2} |{rss}"));
        }
    }

    /// <summary>
    /// Starts <paramref name="count"/> silos, runs a small warm-up job (so each silo has loaded the model before the
    /// clock starts), then the measured job, timed from running to completed as the job grain records it.
    /// </summary>
    private static async Task<Measurement> MeasureAsync(Settings settings, int count, byte[][] jpegs, string input, string work, CancellationToken cancellationToken)
    {
        var hosts = await StartSilosAsync(settings, count, cancellationToken).ConfigureAwait(false);
        try
        {
            var client = new MaeClusterClient(hosts[0].Services.GetRequiredService<IClusterClient>());
            // Two one-image shards per silo: each worker holds at most two leases at once, so every silo gets some.
            var warmInput = WriteLooseImages(Path.Combine(work, $"warm-input-{count}"), jpegs, 2 * count);
            await RunJobAsync(client, settings with { ShardSize = 1 }, warmInput, Path.Combine(work, $"warm-output-{count}"), cancellationToken).ConfigureAwait(false);

            var status = await RunJobAsync(client, settings, input, Path.Combine(work, $"output-{count}"), cancellationToken).ConfigureAwait(false);
            return Measured(status, count, settings.ImagesFor(count));
        }
        finally
        {
            // Secondaries first: the primary holds the development membership table.
            foreach (var host in Enumerable.Reverse(hosts))
            {
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                host.Dispose();
            }
        }
    }

    /// <summary>The measured job's figures, timed from running to completed as the job grain records it.</summary>
    internal static Measurement Measured(JobStatus status, int count, int images, IReadOnlyList<long?>? peakResidentBytes = null) =>
        status.ImagesDone == images && status.StartedAt is { } started && status.FinishedAt is { } finished
            ? new Measurement(count, status.ImagesDone, status.Shards, finished - started, peakResidentBytes)
            : throw new InvalidOperationException($"The benchmark job on {count} silo(s) embedded {status.ImagesDone} of {images} images ({status.ImagesFailed} failed).");

    internal static async Task<JobStatus> RunJobAsync(MaeClusterClient client, Settings settings, string input, string output, CancellationToken cancellationToken)
    {
        var spec = new JobSpec { Input = input, Output = output, Model = settings.Model, ShardSize = settings.ShardSize, BatchSize = settings.BatchSize };
        var jobId = $"bench-cluster-{Guid.NewGuid():N}";
        await client.SubmitAsync(spec, jobId).ConfigureAwait(false);
        var last = await client.WaitForEndAsync(jobId, StatusInterval, cancellationToken).ConfigureAwait(false);
        return last.State == JobState.Completed
            ? last
            : throw new InvalidOperationException($"The benchmark job ended {last.State}: {last.Reason}");
    }

    /// <summary>Silos made by <see cref="MaeSiloHosting.AddMaeSilo"/> on free loopback ports; the first is the primary.</summary>
    private static async Task<List<IHost>> StartSilosAsync(Settings settings, int count, CancellationToken cancellationToken)
    {
        var clusterId = $"mae-bench-{Guid.NewGuid():N}";
        var hosts = new List<IHost>();
        string? primary = null;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var siloPort = LoopbackPorts.Free();
                var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
                QuietLogging.Configure(builder.Logging);
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Mae:Cluster:ClusterId"] = clusterId,
                    ["Mae:Cluster:ServiceId"] = "mae-bench",
                    ["Mae:Cluster:Clustering"] = MaeClusterOptions.Development,
                    ["Mae:Cluster:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
                    // Every silo but the first finds the membership table on the first.
                    ["Mae:Cluster:PrimarySiloEndpoint"] = primary ??= string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{siloPort}"),
                    ["Mae:Cluster:GatewayPort"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture),
                    ["Mae:Worker:Devices"] = settings.Device,
                    ["Mae:Worker:AllowSimulatedDevices"] = (settings.SimulatedRate is not null).ToString(),
                    ["Mae:Worker:IdleDelay"] = "00:00:00.100",
                    ["Mae:Inference:BatchSize"] = settings.BatchSize.ToString(CultureInfo.InvariantCulture),
                });
                builder.AddMaeSilo();
                var host = builder.Build();
                hosts.Add(host);
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            await WaitForSilosAsync(hosts[0].Services.GetRequiredService<IClusterClient>(), count, cancellationToken).ConfigureAwait(false);
            return hosts;
        }
        catch
        {
            foreach (var host in Enumerable.Reverse(hosts))
            {
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                host.Dispose();
            }
            throw;
        }
    }

    private static async Task WaitForSilosAsync(IClusterClient client, int count, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(JoinDeadline);
        var management = client.GetGrain<IManagementGrain>(0);
        while ((await management.GetHosts(onlyActive: true, cancellationToken: deadline.Token).ConfigureAwait(false)).Count < count)
        {
            await Task.Delay(StatusInterval, deadline.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Writes <paramref name="count"/> loose JPEGs (the photos in turn) into a new folder and returns it.</summary>
    internal static string WriteLooseImages(string folder, byte[][] jpegs, int count)
    {
        Directory.CreateDirectory(folder);
        for (var i = 0; i < count; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:D7}.jpg")), jpegs[i % jpegs.Length]);
        }
        return folder;
    }

    /// <summary>Bytes of each synthetic input file: a simulated device reads them but decodes nothing, so they need not be images.</summary>
    private const int SyntheticImageBytes = 4096;

    /// <summary>Writes <paramref name="count"/> distinct synthetic files (named .jpg, so the input lister takes them) for a simulated device.</summary>
    private static string WriteSyntheticImages(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        var bytes = new byte[SyntheticImageBytes];
        for (var i = 0; i < count; i++)
        {
            Random.Shared.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:D7}.jpg")), bytes);
        }
        return folder;
    }
}
