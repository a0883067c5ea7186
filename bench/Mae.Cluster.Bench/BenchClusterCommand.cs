using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using Mae.Cluster.Cli.Commands;
using Mae.Cluster.Client;
using Mae.Cluster.Embedded;
using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Mae.Cluster.Bench;

/// <summary>
/// <c>mae bench cluster</c>: the same job (real pipeline, real photos as loose files) on 1, 2, 3… in-process silos
/// built by the silo's own hosting, one <c>cpu</c> worker each; images/s per silo count against the smallest count,
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

        var command = new Command("cluster", "Images/s of one job on 1, 2 and 3 in-process silos against the single-silo rate.")
        {
            model, images, silos.Option, shardSize, batchSize, photos,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
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
                parse.GetValue(batchSize));
            await RunAsync(settings, jpegs, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private sealed record Settings(string Model, int Images, int[] SiloCounts, int ShardSize, int BatchSize);

    private sealed record Measurement(int Silos, long Images, int Shards, TimeSpan Elapsed)
    {
        public double ImagesPerSecond => Images / Elapsed.TotalSeconds;
    }

    private static async Task RunAsync(Settings settings, byte[][] jpegs, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("mae-bench-cluster-");
        try
        {
            var input = WriteLooseImages(Path.Combine(work.FullName, "input"), jpegs, settings.Images);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"machine: {Environment.ProcessorCount} cores; model {settings.Model}, {settings.Images} JPEGs as loose files in shards of {settings.ShardSize}, batch {settings.BatchSize}; one cpu worker per silo"));
            Console.WriteLine("note: all silos run in this one process and share its cores; on a 2-core machine more silos add no compute, so ratios near 1 are expected there.");
            var results = new List<Measurement>();
            foreach (var count in settings.SiloCounts)
            {
                var measurement = await MeasureAsync(settings, count, jpegs, input, work.FullName, cancellationToken).ConfigureAwait(false);
                results.Add(measurement);
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{count} silo(s): {measurement.Images} images in {measurement.Elapsed.TotalSeconds:F1} s")).ConfigureAwait(false);
            }

            var baseline = results[0];
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| silos | images | shards | seconds | images/s | ratio to {baseline.Silos} silo{(baseline.Silos == 1 ? "" : "s")} |"));
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
            foreach (var r in results)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Silos} | {r.Images} | {r.Shards} | {r.Elapsed.TotalSeconds:F2} | {r.ImagesPerSecond:F2} | {r.ImagesPerSecond / baseline.ImagesPerSecond:F2} |"));
            }
        }
        finally
        {
            work.Delete(recursive: true);
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
            if (status.ImagesDone != settings.Images || status.StartedAt is not { } started || status.FinishedAt is not { } finished)
            {
                throw new InvalidOperationException($"The benchmark job on {count} silo(s) embedded {status.ImagesDone} of {settings.Images} images ({status.ImagesFailed} failed).");
            }
            return new Measurement(count, status.ImagesDone, status.Shards, finished - started);
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

    private static async Task<JobStatus> RunJobAsync(MaeClusterClient client, Settings settings, string input, string output, CancellationToken cancellationToken)
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
                    ["Mae:Worker:Devices"] = "cpu",
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
    private static string WriteLooseImages(string folder, byte[][] jpegs, int count)
    {
        Directory.CreateDirectory(folder);
        for (var i = 0; i < count; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:D7}.jpg")), jpegs[i % jpegs.Length]);
        }
        return folder;
    }
}
