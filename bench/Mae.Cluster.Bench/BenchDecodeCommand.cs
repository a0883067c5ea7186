using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Mae.Cluster.Cli;
using Mae.Cluster.Cli.Commands;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Inference.Onnx;

namespace Mae.Cluster.Bench;

/// <summary>
/// <c>mae bench decode</c>: decode + preprocess images/s on one core for each <see cref="ImageDecodeMode"/>, beside
/// libjpeg-turbo's own decode rate (tjbench) on the same files and core in the same run, interleaved round by round
/// so that load from other processes falls on all of them alike; and each mode's embedding difference from the exact
/// path (CLS cosine similarity on a model) — figures, not assertions (docs/preprocessing.md).
/// </summary>
internal static class BenchDecodeCommand
{
    private const int EmbeddingBatch = 8;

    public static Command Create()
    {
        var model = CommonOptions.Model();
        model.Required = false;
        model.DefaultValueFactory = _ => "tiny";
        model.Description = "Checkpoint whose preprocessing and CLS embedding are compared (default: tiny).";
        var revision = CommonOptions.Revision();
        var images = new Option<string?>("--images") { Description = "Folder of ready JPEGs to measure instead of generated ones." };
        var photos = new Option<string?>("--photos") { Description = "Real photos to crop the bench JPEGs from (default: tests/data/photos above the current folder)." };
        var cache = new Option<string>("--cache")
        {
            Description = "Where generated bench JPEGs are kept between runs.",
            DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "mae-bench-jpegs"),
        };
        var count = Positive(new Option<int>("--count") { Description = "Bench JPEGs to generate.", DefaultValueFactory = _ => 200 });
        var seed = new Option<int>("--seed") { Description = "Seed of the crops and sizes.", DefaultValueFactory = _ => 1 };
        var quality = new Option<int>("--quality")
        {
            Description = "JPEG quality of the generated files; 99 brings these smooth photos to ImageNet's bytes per pixel (~100 KB a file).",
            DefaultValueFactory = _ => 99,
        };
        quality.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 100)
            {
                r.AddError("--quality must be between 1 and 100.");
            }
        });
        var timed = Positive(new Option<int>("--timed") { Description = "How many of the images (evenly spaced) are timed; all of them are compared.", DefaultValueFactory = _ => 50 });
        var rounds = Positive(new Option<int>("--rounds") { Description = "Interleaved rounds of every measurement (medians are reported).", DefaultValueFactory = _ => 3 });
        var core = new Option<int>("--core") { Description = "The core tjbench and the timed thread are pinned to.", DefaultValueFactory = _ => 0 };
        var tjbench = new Option<string?>("--tjbench") { Description = "Path of tjbench (default: on PATH)." };
        var tjbenchSeconds = new Option<double>("--tjbench-seconds") { Description = "tjbench -benchtime per file (after a quarter as much warm-up).", DefaultValueFactory = _ => 0.2 };
        var minimumSeconds = new Option<double>("--seconds") { Description = "Least time each of our paths runs per round.", DefaultValueFactory = _ => 0.5 };

        var command = new Command("decode", "Decode+preprocess images/s per core for each decode mode against libjpeg-turbo's tjbench, with each mode's embedding difference.")
        {
            model, revision, images, photos, cache, count, seed, quality, timed, rounds, core, tjbench, tjbenchSeconds, minimumSeconds,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var resolved = await ModelResolution.ResolveAsync(parse.GetValue(model)!, parse.GetValue(revision)!, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
            var checkpoint = MaeCheckpoint.Load(resolved.Directory, cancellationToken);
            IReadOnlyList<string> files = parse.GetValue(images) is { } folder
                ? BenchDecodeJpegs.FromDirectory(folder)
                : BenchDecodeJpegs.Prepare(BenchDecodeJpegs.FindPhotos(parse.GetValue(photos)), parse.GetValue(cache)!,
                    parse.GetValue(count), parse.GetValue(seed), parse.GetValue(quality), Console.Error);
            var settings = new Settings(parse.GetValue(timed), parse.GetValue(rounds), parse.GetValue(core), parse.GetValue(minimumSeconds));
            var runner = BenchDecodeTjbench.Find(parse.GetValue(tjbench), settings.Core, parse.GetValue(tjbenchSeconds),
                parse.GetValue(tjbenchSeconds) / 4, out string? missing);
            Run(checkpoint, resolved.GraphCacheDirectory, files, settings, runner, missing, cancellationToken);
            return 0;
        });
        return command;
    }

    private static Option<int> Positive(Option<int> option)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError($"{option.Name} must be at least 1.");
            }
        });
        return option;
    }

    private static void Run(MaeCheckpoint checkpoint, string graphCache, IReadOnlyList<string> files, Settings settings,
        BenchDecodeTjbench? tjbench, string? tjbenchMissing, CancellationToken cancellationToken)
    {
        byte[][] encoded = [.. files.Select(File.ReadAllBytes)];
        var preprocessor = new ImagePreprocessor(checkpoint.Preprocessor, decodeMode: ImageDecodeMode.ImageSharp);
        DecodePath[] paths = BenchDecodePaths.Create(preprocessor);
        DecodePath[] compared = [.. paths.Where(p => p.ProducesInput)];
        var fidelity = ComparePaths(checkpoint, graphCache, encoded, compared, preprocessor, cancellationToken);

        int[] timedIndices = EvenlySpaced(encoded.Length, Math.Min(settings.Timed, encoded.Length));
        string[] timedFiles = [.. timedIndices.Select(i => files[i])];
        byte[][] timedBytes = [.. timedIndices.Select(i => encoded[i])];
        string?[] fastScales = [.. timedIndices.Select(i => ScaleArgument(fidelity.Denominators[i]))];
        string load = LoadAverage();
        var (rates, pinned) = BenchDecodeCpu.RunPinned(settings.Core, pinned =>
            (Measure(paths, timedFiles, timedBytes, fastScales, settings, tjbench, preprocessor.OutputLength, cancellationToken), pinned));

        PrintHeader(checkpoint, files, encoded, fidelity, settings, timedFiles.Length, tjbench, tjbenchMissing, pinned, load);
        PrintTable(rates, paths, compared, fidelity, tjbench is not null);
    }

    private sealed record Settings(int Timed, int Rounds, int Core, double MinimumSeconds);

    /// <summary>Per image: the fast path's DCT denominator and the original size; per path: cosines and input differences.</summary>
    private sealed record Fidelity(int[] Denominators, ImageDimensions[] Sizes, double[][] CosineToExact, double[][] CosineToLibjpeg, float[][] MaxInputDifference);

    private const int ExactPath = 0, LibjpegPath = 1;

    private static Fidelity ComparePaths(MaeCheckpoint checkpoint, string graphCache, byte[][] encoded, DecodePath[] paths,
        ImagePreprocessor target, CancellationToken cancellationToken)
    {
        var config = checkpoint.Config;
        var graph = new GraphCache(graphCache).GetOrBuild(checkpoint, MaeGraphKind.Features, Precision.Fp32);
        using var session = new MaeFeaturesSession(OnnxSessionFactory.Create(graph, ExecutionDevice.Cpu, 0), config);
        int inputLength = target.OutputLength, hidden = config.HiddenSize;
        float[][] pixels = [.. paths.Select(_ => new float[EmbeddingBatch * inputLength])];
        float[][] cls = [.. paths.Select(_ => new float[EmbeddingBatch * hidden])];
        var mean = new float[EmbeddingBatch * hidden];
        var result = new Fidelity(new int[encoded.Length], new ImageDimensions[encoded.Length],
            [.. paths.Select(_ => new double[encoded.Length])], [.. paths.Select(_ => new double[encoded.Length])],
            [.. paths.Select(_ => new float[encoded.Length])]);

        for (int first = 0; first < encoded.Length; first += EmbeddingBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int batch = Math.Min(EmbeddingBatch, encoded.Length - first);
            for (int p = 0; p < paths.Length; p++)
            {
                for (int b = 0; b < batch; b++)
                {
                    result.Sizes[first + b] = paths[p].Run(encoded[first + b], pixels[p].AsSpan(b * inputLength, inputLength));
                }

                session.Run(pixels[p], batch, cls[p], mean);
            }

            for (int b = 0; b < batch; b++)
            {
                int image = first + b;
                result.Denominators[image] = JpegDctScaling.Denominator(result.Sizes[image], target.Width, target.Height);
                for (int p = 0; p < paths.Length; p++)
                {
                    var embedding = cls[p].AsSpan(b * hidden, hidden);
                    result.CosineToExact[p][image] = Cosine(embedding, cls[ExactPath].AsSpan(b * hidden, hidden));
                    result.CosineToLibjpeg[p][image] = Cosine(embedding, cls[LibjpegPath].AsSpan(b * hidden, hidden));
                    result.MaxInputDifference[p][image] = MaxAbsoluteDifference(
                        pixels[p].AsSpan(b * inputLength, inputLength), pixels[ExactPath].AsSpan(b * inputLength, inputLength));
                }
            }
        }

        return result;
    }

    /// <summary>Images/s of every path in every round, per CPU second and per wall second; tjbench and our paths alternate.</summary>
    private static Dictionary<string, BenchDecodeTjbench.Rate[]> Measure(DecodePath[] paths, string[] files, byte[][] encoded,
        string?[] fastScales, Settings settings, BenchDecodeTjbench? tjbench, int inputLength, CancellationToken cancellationToken)
    {
        var rates = new Dictionary<string, BenchDecodeTjbench.Rate[]>();
        void Record(string path, int round, BenchDecodeTjbench.Rate rate)
        {
            if (!rates.TryGetValue(path, out var values))
            {
                rates[path] = values = new BenchDecodeTjbench.Rate[settings.Rounds];
            }

            values[round] = rate;
        }

        // Seconds per image summed over the files gives images/s of the whole set, as for our paths.
        BenchDecodeTjbench.Rate SetRate(Func<int, BenchDecodeTjbench.Rate> perFile)
        {
            double wall = 0, cpu = 0;
            for (int i = 0; i < files.Length; i++)
            {
                var rate = perFile(i);
                wall += 1 / rate.Wall;
                cpu += 1 / rate.Cpu;
            }

            return new(files.Length / wall, files.Length / cpu);
        }

        var destination = new float[inputLength];
        foreach (var path in paths)
        {
            Pass(path, encoded, destination); // warm-up: JIT, pools, native libraries
        }

        for (int round = 0; round < settings.Rounds; round++)
        {
            BenchDecodeTjbench.Rate[]? full = null;
            if (tjbench is not null)
            {
                full = [.. files.Select(f => tjbench.FramesPerSecond(f, null, cancellationToken))];
                Record(TjbenchFull, round, SetRate(i => full[i]));
            }

            foreach (var path in paths)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Record(path.Name, round, Rate(path, encoded, destination, settings.MinimumSeconds));
            }

            if (tjbench is not null && full is not null)
            {
                // The fast path's own scales: the DCT work of our fast decode, done by tjbench's libjpeg-turbo.
                Record(TjbenchFastScales, round, SetRate(i => fastScales[i] is { } scale ? tjbench.FramesPerSecond(files[i], scale, cancellationToken) : full[i]));
                Record(TjbenchHalf, round, SetRate(i => tjbench.FramesPerSecond(files[i], "1/2", cancellationToken)));
            }
        }

        return rates;
    }

    private static BenchDecodeTjbench.Rate Rate(DecodePath path, byte[][] encoded, float[] destination, double minimumSeconds)
    {
        int images = 0;
        double cpuStart = BenchDecodeCpu.ThreadCpuSeconds();
        var watch = Stopwatch.StartNew();
        do
        {
            Pass(path, encoded, destination);
            images += encoded.Length;
        }
        while (watch.Elapsed.TotalSeconds < minimumSeconds);
        double wall = watch.Elapsed.TotalSeconds, cpu = BenchDecodeCpu.ThreadCpuSeconds() - cpuStart;
        return new(images / wall, images / cpu);
    }

    private static void Pass(DecodePath path, byte[][] encoded, float[] destination)
    {
        foreach (byte[] image in encoded)
        {
            path.Run(image, destination);
        }
    }

    private const string TjbenchFull = "tjbench: full-size decode";
    private const string TjbenchFastScales = "tjbench: decode at the DCT-scaled sizes";
    private const string TjbenchHalf = "tjbench: decode at 1/2 scale (every image)";

    private static void PrintHeader(MaeCheckpoint checkpoint, IReadOnlyList<string> files, byte[][] encoded, Fidelity fidelity,
        Settings settings, int timedCount, BenchDecodeTjbench? tjbench, string? tjbenchMissing, bool pinned, string loadBefore)
    {
        var sizes = fidelity.Sizes;
        double bitsPerPixel = encoded.Sum(e => (double)e.Length * 8) / sizes.Sum(s => (double)s.Width * s.Height);
        Console.WriteLine(Invariant($"images: {files.Count} JPEGs in {Path.GetDirectoryName(files[0])}: mean {encoded.Average(e => e.Length) / 1000.0:F1} kB, mean {sizes.Average(s => s.Width):F0}×{sizes.Average(s => s.Height):F0} px, {bitsPerPixel:F2} bits/px"));
        Console.WriteLine(Invariant($"model input {checkpoint.Preprocessor.Width}×{checkpoint.Preprocessor.Height}; LibjpegTurboDctScaled DCT scales: ") +
            string.Join(", ", fidelity.Denominators.GroupBy(d => d).OrderBy(g => g.Key).Select(g => Invariant($"1/{g.Key} × {g.Count()}"))));
        Console.WriteLine(Invariant($"timed: {timedCount} of them, one thread, core {settings.Core} ({(pinned ? "pinned" : "not pinned")}), {settings.Rounds} interleaved rounds, medians; ") +
            Invariant($"{CpuModel()}, {Environment.ProcessorCount} cores, load average {loadBefore} before, {LoadAverage()} after"));
        Console.WriteLine(BenchDecodeCpu.HasCpuClocks
            ? "images/s per CPU second of the timed thread (tjbench: its frame rate divided by the share of the core it got); wall-clock images/s beside"
            : "no CPU clocks on this OS: both columns are wall-clock images/s");
        Console.WriteLine(tjbench is null
            ? $"{tjbenchMissing}: no libjpeg-turbo reference in this run"
            : $"tjbench: {tjbench.Executable}{(tjbench.Pinned ? $" under taskset -c {settings.Core}" : " (taskset not found: not pinned)")}, -rgb -nowrite");
        Console.WriteLine(Invariant($"embedding: CLS of a {checkpoint.Config.HiddenSize}-dim model, fp32; model input Δ in normalized units (1 level ≈ {1 / (255 * checkpoint.Preprocessor.ImageStd.Min()):F4})"));
        Console.WriteLine();
    }

    private static void PrintTable(Dictionary<string, BenchDecodeTjbench.Rate[]> rates, DecodePath[] paths, DecodePath[] compared,
        Fidelity fidelity, bool haveTjbench)
    {
        Console.WriteLine("| path | images/s per core | × tjbench full-size | wall images/s | CLS cosine to ImageSharp, mean / min | CLS cosine to LibjpegTurbo (Pillow's pixels), mean / min | max abs Δ model input to ImageSharp, mean / max |");
        Console.WriteLine("|---|---:|---:|---:|---|---|---|");
        var reference = haveTjbench ? rates[TjbenchFull] : null;
        string[] order = [TjbenchFull, TjbenchFastScales, TjbenchHalf, .. paths.Select(p => p.Name)];
        foreach (string name in order.Where(rates.ContainsKey))
        {
            var values = rates[name];
            string ratio = reference is null ? "–" : Invariant($"{Median([.. values.Select((v, round) => v.Cpu / reference[round].Cpu)]):F2}");
            int p = Array.FindIndex(compared, path => path.Name == name);
            string fidelityColumns = p < 0
                ? "decode only | | "
                : Invariant($"{fidelity.CosineToExact[p].Average():F6} / {fidelity.CosineToExact[p].Min():F6} | ") +
                  Invariant($"{fidelity.CosineToLibjpeg[p].Average():F6} / {fidelity.CosineToLibjpeg[p].Min():F6} | ") +
                  Invariant($"{fidelity.MaxInputDifference[p].Average():F4} / {fidelity.MaxInputDifference[p].Max():F4}");
            Console.WriteLine(Invariant($"| {name} | {Median([.. values.Select(v => v.Cpu)]):F0} | {ratio} | {Median([.. values.Select(v => v.Wall)]):F0} | {fidelityColumns} |"));
        }
    }

    private static string? ScaleArgument(int denominator) => denominator == 1 ? null : "1/" + denominator.ToString(CultureInfo.InvariantCulture);

    private static int[] EvenlySpaced(int total, int count) =>
        [.. Enumerable.Range(0, count).Select(i => (int)((long)i * total / count))];

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, normA = 0, normB = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }

        return normA == 0 || normB == 0 ? (normA == normB ? 1 : 0) : dot / Math.Sqrt(normA * normB);
    }

    private static float MaxAbsoluteDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string LoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) ? string.Join(' ', File.ReadAllText(path).Split(' ').Take(3)) : "n/a";
    }

    private static string CpuModel()
    {
        const string path = "/proc/cpuinfo";
        return File.Exists(path)
            ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "cpu n/a"
            : "cpu n/a";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
