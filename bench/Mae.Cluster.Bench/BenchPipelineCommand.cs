using System.CommandLine;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using Mae.Cluster.Cli;
using Mae.Cluster.Cli.Commands;
using Mae.Cluster.Client;
using Mae.Cluster.Embedded;
using Mae.Cluster.Grains;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Masking;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Pipeline;

namespace Mae.Cluster.Bench;

/// <summary>
/// <c>mae bench pipeline</c>: the shard pipeline end to end (tar shards of real JPEGs on local disk → outputs) against
/// the model alone, same model, batch and threads, in one run; then peak memory of whole `mae run` processes as
/// shards grow. Figures, not assertions (docs/benchmarks.md).
/// </summary>
internal static class BenchPipelineCommand
{
    public static Command Create()
    {
        var engineOptionSet = new EngineOptionSet(defaultBatchSize: 32);
        engineOptionSet.Model.Required = false;
        engineOptionSet.Model.DefaultValueFactory = _ => "base-random";
        var photos = new Option<string>("--photos") { Description = "Folder of JPEG photos to pack into bench shards.", DefaultValueFactory = _ => "tests/data/photos" };
        var images = new Option<int>("--images") { Description = "Images in the end-to-end run.", DefaultValueFactory = _ => 192 };
        var shards = new Option<int>("--shards") { Description = "Tar shards the end-to-end images are spread over.", DefaultValueFactory = _ => 3 };
        var memoryShardSizes = CommonOptions.NumberList("--memory-shard-sizes",
            "Images per shard for the peak-memory runs (tiny model, one shard each); 0 skips them", [100, 400, 1600], min: 0, max: 1_000_000);

        var command = new Command("pipeline", "End-to-end shard images/s against model-only images/s, and peak memory against shard size.")
        {
            photos, images, shards, memoryShardSizes.Option,
        };
        engineOptionSet.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var work = Directory.CreateTempSubdirectory("mae-bench-pipeline-");
            try
            {
                var jpegs = Directory.EnumerateFiles(parse.GetValue(photos)!, "*.jpg").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
                if (jpegs.Length == 0)
                {
                    throw new RequestRefusedException($"No .jpg photos in {parse.GetValue(photos)}.");
                }
                var engineOptions = await engineOptionSet.ToEngineOptionsAsync(parse, cancellationToken).ConfigureAwait(false);
                using var engine = MaeEngine.Create(engineOptions);
                var embeddingsOnlyOptions = await engineOptionSet.ToEngineOptionsAsync(parse, cancellationToken).ConfigureAwait(false);
                embeddingsOnlyOptions.ComputeLoss = false;
                using var embeddingsOnly = MaeEngine.Create(embeddingsOnlyOptions);
                var imageCount = parse.GetValue(images);
                var input = Directory.CreateDirectory(Path.Combine(work.FullName, "input")).FullName;
                WriteTarShards(input, jpegs, imageCount, parse.GetValue(shards));

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"machine: {Environment.ProcessorCount} cores; model {parse.GetValue(engineOptionSet.Model)} ({engine.Config.HiddenSize}-wide × {engine.Config.NumHiddenLayers}), device {engineOptions.Device}, precision {engineOptions.Precision}, batch {engineOptions.BatchSize}"));
                var modelOnly = ModelOnlyImagesPerSecond(engine, imageCount, withLoss: true, cancellationToken);
                var modelOnlyEmbeddings = ModelOnlyImagesPerSecond(engine, imageCount, withLoss: false, cancellationToken);
                var endToEnd = await PipelineImagesPerSecondAsync(engine, ResultOutputs.All, input, Path.Combine(work.FullName, "output"), cancellationToken).ConfigureAwait(false);
                var endToEndEmbeddings = await PipelineImagesPerSecondAsync(embeddingsOnly, ResultOutputs.Embeddings, input,
                    Path.Combine(work.FullName, "output-embeddings"), cancellationToken).ConfigureAwait(false);
                var embedded = await EmbeddedClusterImagesPerSecondAsync(engineOptions, input, jpegs[0], work.FullName, cancellationToken).ConfigureAwait(false);
                Console.WriteLine();
                Console.WriteLine("| measurement | images/s |");
                Console.WriteLine("|---|---:|");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| model only, embeddings + loss (features + reconstruction graphs, pre-made tensors) | {modelOnly:F2} |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| model only, embeddings only (features graph) | {modelOnlyEmbeddings:F2} |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| end to end, embeddings + loss ({imageCount} JPEGs in tar shards → npy/parquet) | {endToEnd:F2} |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| end to end, embeddings only (`--outputs embeddings`) | {endToEndEmbeddings:F2} |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| ratio end-to-end / model-only (embeddings + loss) | {endToEnd / modelOnly:F3} |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| ratio embeddings only / embeddings + loss, end to end | {endToEndEmbeddings / endToEnd:F3} |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| `mae run` path: the same shards on an embedded one-silo cluster (one worker, two shards in flight) | {embedded:F2} |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| ratio embedded cluster / model-only | {embedded / modelOnly:F3} |"));

                var sizes = memoryShardSizes.ValueOf(parse).Where(size => size > 0).ToArray();
                if (sizes.Length > 0)
                {
                    Console.WriteLine();
                    Console.WriteLine("| images in the shard | peak RSS of `mae run` (MiB) |");
                    Console.WriteLine("|---:|---:|");
                    foreach (var size in sizes)
                    {
                        var folder = Directory.CreateDirectory(Path.Combine(work.FullName, $"memory-{size}")).FullName;
                        WriteTarShards(folder, jpegs, size, 1);
                        var peak = await PeakMemoryOfRunAsync(folder, Path.Combine(work.FullName, $"memory-out-{size}"), cancellationToken).ConfigureAwait(false);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {size} | {peak / (1024.0 * 1024.0):F0} |"));
                    }
                }
                return 0;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }

    /// <summary>
    /// The pipeline alone, without grains or workers: every shard through <see cref="ShardProcessor"/> (read, decode,
    /// model, write, verify, commit) with as many shards in flight as a worker keeps.
    /// </summary>
    private static async Task<double> PipelineImagesPerSecondAsync(MaeEngine engine, ResultOutputs outputs, string input, string output, CancellationToken cancellationToken)
    {
        var options = new ShardJobOptions { Input = input, Output = output, Outputs = outputs };
        var inputStore = Storage.Blobs.ObjectStoreFactory.Create(input);
        var outputStore = Storage.Blobs.ObjectStoreFactory.Create(output);
        var shards = await InputShardLister.ListAsync(inputStore, options.ShardSize, cancellationToken).ConfigureAwait(false);
        var processor = new ShardProcessor(engine, inputStore, outputStore, options, "bench", Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        long images = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(shards, new ParallelOptions { MaxDegreeOfParallelism = options.ShardsInFlight, CancellationToken = cancellationToken },
            async (shard, ct) => Interlocked.Add(ref images, (await processor.ProcessAsync(shard, ct).ConfigureAwait(false)).Images)).ConfigureAwait(false);
        return images / watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The same job the way <c>mae run</c> runs it: grains, a worker leasing shards and the pipeline executor on an
    /// embedded silo. A one-image warm-up job loads the model first, so both rows leave session creation out.
    /// </summary>
    private static async Task<double> EmbeddedClusterImagesPerSecondAsync(MaeEngineOptions engine, string input, byte[] jpeg, string work, CancellationToken cancellationToken)
    {
        var settings = new EmbeddedSiloSettings(engine.Device, engine.BatchSize, engine.Precision, engine.GraphCacheDirectory,
            engine.InferenceThreads, engine.DecodeThreads, engine.DecodeMode);
        var cluster = await EmbeddedCluster.StartAsync(settings, configFile: null, cancellationToken).ConfigureAwait(false);
        await using (cluster.ConfigureAwait(false))
        {
            var warmUp = Directory.CreateDirectory(Path.Combine(work, "warm-up")).FullName;
            WriteTarShards(warmUp, [jpeg], 1, 1);
            await RunToCompletionAsync(cluster.Jobs, warmUp, Path.Combine(work, "warm-up-output"), engine, cancellationToken).ConfigureAwait(false);
            var output = Path.Combine(work, "embedded-output");
            await RunToCompletionAsync(cluster.Jobs, input, output, engine, cancellationToken).ConfigureAwait(false);
            var manifest = await JobOutputClaim.ReadAsync(Storage.Blobs.ObjectStoreFactory.Create(output), cancellationToken).ConfigureAwait(false);
            return manifest?.ImagesPerSecond ?? 0;
        }
    }

    private static async Task RunToCompletionAsync(MaeClusterClient jobs, string input, string output, MaeEngineOptions engine, CancellationToken cancellationToken)
    {
        var spec = new JobSpec
        {
            Input = input,
            Output = output,
            Model = engine.ModelDirectory,
            Seed = engine.Seed,
            MaskRatio = engine.MaskRatio,
            Precision = engine.Precision.ToContract(),
            BatchSize = engine.BatchSize,
        };
        var submitted = await jobs.SubmitAsync(spec).ConfigureAwait(false);
        var final = await jobs.WaitForEndAsync(submitted.JobId, TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        if (JobOutcome.FailureOf(final) is { } failure)
        {
            throw new RequestRefusedException($"The embedded-cluster run of the pipeline benchmark did not complete: {failure}");
        }
    }

    /// <summary>Model-only rate: the features graph (and the reconstruction graph <paramref name="withLoss"/>) over ready tensors at the engine's batch size, no decoding or I/O.</summary>
    private static double ModelOnlyImagesPerSecond(MaeEngine engine, int images, bool withLoss, CancellationToken cancellationToken)
    {
        var config = engine.Config;
        var batch = engine.Options.BatchSize;
        var graphs = new GraphCache(engine.Options.GraphCacheDirectory);
        var checkpoint = Inference.Checkpoints.MaeCheckpoint.Load(engine.Options.ModelDirectory, cancellationToken);
        using var features = new MaeFeaturesSession(OnnxSessionFactory.Create(graphs.GetOrBuild(checkpoint, MaeGraphKind.Features, engine.Options.Precision, engine.Options.Emission, engine.Options.Device), engine.Options.Device, engine.Options.InferenceThreads), config);
        using var reconstruction = new MaeReconstructionSession(OnnxSessionFactory.Create(graphs.GetOrBuild(checkpoint, MaeGraphKind.Reconstruction, engine.Options.Precision, engine.Options.Emission, engine.Options.Device), engine.Options.Device, engine.Options.InferenceThreads), config);
        var inputs = BenchInputs.Create(config, batch, engine.MaskRatio);
        void RunBatch()
        {
            features.Run(inputs.Pixels, batch, inputs.Cls, inputs.Mean);
            if (withLoss)
            {
                reconstruction.Run(inputs.Pixels, inputs.IdsKeep, inputs.IdsRestore, inputs.Mask, batch, inputs.Kept, inputs.Loss);
            }
        }
        RunBatch();
        var batches = Math.Max(1, images / batch);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < batches; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunBatch();
        }
        return batches * batch / watch.Elapsed.TotalSeconds;
    }

    private static void WriteTarShards(string folder, byte[][] jpegs, int images, int shardCount)
    {
        var perShard = (images + shardCount - 1) / shardCount;
        for (var shard = 0; shard < shardCount; shard++)
        {
            using var file = File.Create(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"shard-{shard:D5}.tar")));
            using var tar = new TarWriter(file, TarEntryFormat.Pax);
            for (var i = shard * perShard; i < Math.Min(images, (shard + 1) * perShard); i++)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, string.Create(CultureInfo.InvariantCulture, $"{i:D8}.jpg"))
                {
                    DataStream = new MemoryStream(jpegs[i % jpegs.Length]),
                };
                tar.WriteEntry(entry);
            }
        }
    }

    /// <summary>Runs `mae run --model tiny` as a child process and samples its peak resident set (VmHWM).</summary>
    private static async Task<long> PeakMemoryOfRunAsync(string input, string output, CancellationToken cancellationToken)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // mae.dll, its deps.json and runtimeconfig are built beside mae-bench.
            info.ArgumentList.Add(typeof(MaeCli).Assembly.Location);
        }
        else
        {
            info.FileName = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "mae.exe" : "mae");
        }
        foreach (var arg in new[] { "run", input, "--output", output, "--model", "tiny", "--batch-size", "32" })
        {
            info.ArgumentList.Add(arg);
        }
        using var child = Process.Start(info)!;
        var drainOut = child.StandardOutput.ReadToEndAsync(cancellationToken);
        var drainErr = child.StandardError.ReadToEndAsync(cancellationToken);
        long peak = 0;
        while (!child.HasExited)
        {
            peak = Math.Max(peak, ProcStatus.Bytes(child.Id, ProcStatus.PeakResident) ?? 0);
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        await child.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await drainOut.ConfigureAwait(false);
        var errors = await drainErr.ConfigureAwait(false);
        if (child.ExitCode != 0)
        {
            throw new RequestRefusedException($"mae run failed in the memory benchmark: {errors}");
        }
        return peak;
    }
}
