using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Mae.Cluster.Cli;
using Mae.Cluster.Cli.Commands;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Masking;
using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Bench;

/// <summary>
/// <c>mae-bench model</c>: model-only throughput of the features and reconstruction graphs, beside the GEMM rate
/// ONNX Runtime reaches on the same threads in the same run — figures, not assertions (docs/benchmarks.md).
/// </summary>
internal static class BenchModelCommand
{
    // The GEMM of vit-mae-base's MLP at batch 32: (32·197 tokens) × 768 × 3072.
    private const int GemmM = 6304, GemmK = 768, GemmN = 3072;

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var revision = CommonOptions.Revision();
        model.Required = false;
        model.DefaultValueFactory = _ => "base-random";
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision(CommonOptions.PrecisionDescription);
        var threads = CommonOptions.Threads();
        var batches = CommonOptions.NumberList("--batch-sizes", "Batch sizes to measure", [1, 8, 32], min: 1, max: 4096);
        var iterations = new Option<int>("--iterations") { Description = "Timed runs per measurement (best is reported).", DefaultValueFactory = _ => 3 };

        var command = new Command("model", "Images/s and GFLOP/s of the features and reconstruction graphs against ONNX Runtime's MatMul rate.")
        {
            model, revision, device, precision.Option, threads, batches.Option, iterations,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var resolved = await ModelResolution.ResolveAsync(parse.GetValue(model)!, parse.GetValue(revision)!, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
            var checkpoint = MaeCheckpoint.Load(resolved.Directory, cancellationToken);
            var dev = parse.GetValue(device)!;
            var prec = precision.ValueOf(parse);
            var threadCount = parse.GetValue(threads);
            var iters = Math.Max(1, parse.GetValue(iterations));
            var cache = new GraphCache(resolved.GraphCacheDirectory);
            var config = checkpoint.Config;

            using var probe = new MatMulProbe(dev, threadCount, prec, GemmM, GemmK, GemmN, Path.Combine(resolved.GraphCacheDirectory, "probe"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"machine: {Environment.ProcessorCount} cores, device {dev}, precision {prec}, threads {(threadCount == 0 ? CpuCores.ForInference : threadCount).ToString(CultureInfo.InvariantCulture)}, model {config.HiddenSize}-wide × {config.NumHiddenLayers} layers"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"MatMul yardstick: ONNX Runtime {GemmM}×{GemmK}×{GemmN} at the same precision, measured just before each row."));
            Console.WriteLine();
            Console.WriteLine("| graph | batch | images/s | GFLOP/s | MatMul GFLOP/s | % of MatMul |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");

            using var features = new MaeFeaturesSession(
                OnnxSessionFactory.Create(cache.GetOrBuild(checkpoint, MaeGraphKind.Features, prec), dev, threadCount), config);
            using var reconstruction = new MaeReconstructionSession(
                OnnxSessionFactory.Create(cache.GetOrBuild(checkpoint, MaeGraphKind.Reconstruction, prec), dev, threadCount), config);
            foreach (var batch in batches.ValueOf(parse))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var inputs = BenchInputs.Create(config, batch, config.MaskRatio);
                var gemm = probe.MeasureGflops(iters);
                var featureSeconds = Best(iters, () => features.Run(inputs.Pixels, batch, inputs.Cls, inputs.Mean));
                Report("features", batch, featureSeconds, MaeFlops.Features(config), gemm);
                gemm = probe.MeasureGflops(iters);
                var reconstructionSeconds = Best(iters, () => reconstruction.Run(inputs.Pixels, inputs.IdsKeep, inputs.IdsRestore, inputs.Mask, batch, inputs.Kept, inputs.Loss));
                Report("reconstruction", batch, reconstructionSeconds, MaeFlops.Reconstruction(config, config.MaskRatio), gemm);
            }
            return 0;
        });

        return command;
    }

    private static void Report(string graph, int batch, double seconds, double flopsPerImage, double gemmGflops)
    {
        var gflops = batch * flopsPerImage / seconds / 1e9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {graph} | {batch} | {batch / seconds:F2} | {gflops:F1} | {gemmGflops:F1} | {100 * gflops / gemmGflops:F0}% |"));
    }

    /// <summary>Best wall time of <paramref name="iterations"/> runs after one warm-up run.</summary>
    private static double Best(int iterations, Action run)
    {
        run();
        var best = double.MaxValue;
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }
}
