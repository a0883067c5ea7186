using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Mae.Cluster.Cli;
using Mae.Cluster.Cli.Commands;
using Mae.Cluster.Grains;
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
        var emission = new Option<GraphEmission[]>("--emission")
        {
            Description = "Graph emissions to measure, comma-separated: fused (ONNX Runtime contrib operators) or plain (standard ONNX " +
                          "operators only); fused,plain measures both side by side (default: fused)",
            AllowMultipleArgumentsPerToken = true,
            CustomParser = ParseEmissions,
        };

        var outputs = CommonOptions.Outputs();
        var command = new Command("model", "Images/s and GFLOP/s of the features and reconstruction graphs against ONNX Runtime's MatMul rate.")
        {
            model, revision, device, precision.Option, emission, outputs.Option, threads, batches.Option, iterations,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var resolved = await ModelResolution.ResolveAsync(parse.GetValue(model)!, parse.GetValue(revision)!, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
            var checkpoint = MaeCheckpoint.Load(resolved.Directory, cancellationToken);
            var dev = parse.GetValue(device)!;
            var prec = precision.ValueOf(parse);
            var threadCount = parse.GetValue(threads);
            var emissions = parse.GetValue(emission) is { Length: > 0 } chosen ? chosen : [GraphEmission.Fused];
            var iters = Math.Max(1, parse.GetValue(iterations));
            var cache = new GraphCache(resolved.GraphCacheDirectory);
            var config = checkpoint.Config;
            var measured = outputs.ValueOf(parse);
            var withEmbeddings = measured.HasFlag(JobOutputs.Embeddings);
            var withLoss = measured.HasFlag(JobOutputs.Loss);

            using var probe = new MatMulProbe(dev, threadCount, prec, GemmM, GemmK, GemmN, Path.Combine(resolved.GraphCacheDirectory, "probe"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"machine: {Environment.ProcessorCount} cores, device {dev}, precision {prec}, threads {(threadCount == 0 ? CpuCores.ForInference : threadCount).ToString(CultureInfo.InvariantCulture)}, model {config.HiddenSize}-wide × {config.NumHiddenLayers} layers"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"MatMul yardstick: ONNX Runtime {GemmM}×{GemmK}×{GemmN} at the same precision, measured just before each group of rows."));
            Console.WriteLine();
            Console.WriteLine("| graph | emission | batch | images/s | GFLOP/s | MatMul GFLOP/s | % of MatMul |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");

            var sessions = new List<(GraphEmission Emission, MaeFeaturesSession? Features, MaeReconstructionSession? Reconstruction)>();
            try
            {
                foreach (var e in emissions.Distinct())
                {
                    // Only the graphs of the outputs measured are built and loaded, as an engine does.
                    var features = withEmbeddings
                        ? new MaeFeaturesSession(OnnxSessionFactory.Create(cache.GetOrBuild(checkpoint, MaeGraphKind.Features, prec, e, dev), dev, threadCount), config)
                        : null;
                    try
                    {
                        sessions.Add((e, features, withLoss
                            ? new MaeReconstructionSession(OnnxSessionFactory.Create(cache.GetOrBuild(checkpoint, MaeGraphKind.Reconstruction, prec, e, dev), dev, threadCount), config)
                            : null));
                    }
                    catch
                    {
                        features?.Dispose();
                        throw;
                    }
                }
                foreach (var batch in batches.ValueOf(parse))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var inputs = BenchInputs.Create(config, batch, config.MaskRatio);
                    // The emissions' runs alternate (one of each per timed round) beside one yardstick, so load that
                    // drifts during the group falls on all of them alike: their ratio is a side-by-side figure.
                    double gemm = 0;
                    var featureSeconds = new double[sessions.Count];
                    var reconstructionSeconds = new double[sessions.Count];
                    if (withEmbeddings)
                    {
                        gemm = probe.MeasureGflops(iters);
                        featureSeconds = BestInterleaved(iters, sessions.Select(s => (Action)(() => s.Features!.Run(inputs.Pixels, batch, inputs.Cls, inputs.Mean))).ToArray());
                        for (var i = 0; i < sessions.Count; i++)
                        {
                            Report("features (embeddings)", sessions[i].Emission, batch, featureSeconds[i], MaeFlops.Features(config), gemm);
                        }
                    }
                    if (withLoss)
                    {
                        gemm = probe.MeasureGflops(iters);
                        reconstructionSeconds = BestInterleaved(iters, sessions.Select(s => (Action)(() =>
                            s.Reconstruction!.Run(inputs.Pixels, inputs.IdsKeep, inputs.IdsRestore, inputs.Mask, batch, inputs.Kept, inputs.Loss))).ToArray());
                        for (var i = 0; i < sessions.Count; i++)
                        {
                            Report("reconstruction (loss)", sessions[i].Emission, batch, reconstructionSeconds[i], MaeFlops.Reconstruction(config, config.MaskRatio), gemm);
                        }
                    }
                    if (withEmbeddings && withLoss)
                    {
                        // A job with both outputs runs the two graphs one after the other on each batch: its rate is the sum of their times.
                        for (var i = 0; i < sessions.Count; i++)
                        {
                            Report("both (embeddings + loss)", sessions[i].Emission, batch, featureSeconds[i] + reconstructionSeconds[i],
                                MaeFlops.Features(config) + MaeFlops.Reconstruction(config, config.MaskRatio), gemm);
                        }
                    }
                }
            }
            finally
            {
                foreach (var (_, features, reconstruction) in sessions)
                {
                    features?.Dispose();
                    reconstruction?.Dispose();
                }
            }
            return 0;
        });

        return command;
    }

    private static void Report(string graph, GraphEmission emission, int batch, double seconds, double flopsPerImage, double gemmGflops)
    {
        var gflops = batch * flopsPerImage / seconds / 1e9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {graph} | {emission.ToString().ToLowerInvariant()} | {batch} | {batch / seconds:F2} | {gflops:F1} | {gemmGflops:F1} | {100 * gflops / gemmGflops:F0}% |"));
    }

    private static GraphEmission[] ParseEmissions(ArgumentResult result)
    {
        var values = new List<GraphEmission>();
        foreach (var token in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            switch (token.ToLowerInvariant())
            {
                case "fused":
                    values.Add(GraphEmission.Fused);
                    break;
                case "plain":
                    values.Add(GraphEmission.Plain);
                    break;
                default:
                    result.AddError($"--emission takes fused, plain or both, comma-separated (not '{token}').");
                    break;
            }
        }
        return [.. values];
    }

    /// <summary>
    /// Best wall time of each of <paramref name="runs"/> over <paramref name="iterations"/> rounds that run each once, in
    /// turn, after one warm-up run of each.
    /// </summary>
    private static double[] BestInterleaved(int iterations, Action[] runs)
    {
        foreach (var run in runs)
        {
            run();
        }
        var best = Enumerable.Repeat(double.MaxValue, runs.Length).ToArray();
        for (var i = 0; i < iterations; i++)
        {
            for (var r = 0; r < runs.Length; r++)
            {
                var watch = Stopwatch.StartNew();
                runs[r]();
                best[r] = Math.Min(best[r], watch.Elapsed.TotalSeconds);
            }
        }
        return best;
    }
}
