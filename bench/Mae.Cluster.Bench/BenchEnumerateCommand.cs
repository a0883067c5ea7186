using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Execution;
using Mae.Cluster.Inference.Hub;

namespace Mae.Cluster.Bench;

/// <summary>
/// <c>mae-bench enumerate</c>: a synthetic input of many zero-byte objects (a folder tree, in tmpfs where there is one)
/// listed through the real <see cref="StoredInputCatalog"/> — what a silo runs when a job is submitted — printing objects,
/// shards, listing pages, seconds and this process's peak resident set during the enumeration alone (VmHWM, reset just
/// before it). Figures, not assertions (docs/benchmarks.md).
/// </summary>
internal static class BenchEnumerateCommand
{
    private const string Loose = "loose";
    private const string Tars = "tars";

    /// <summary>Objects per synthetic folder: the local store holds one folder's entries at a time, so it stays small.</summary>
    private const int ObjectsPerFolder = 1000;

    public static Command Create()
    {
        var objects = new Option<int>("--objects") { Description = "Objects in the synthetic input.", DefaultValueFactory = _ => 1_000_000 };
        objects.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000_000)
            {
                r.AddError("--objects must be between 1 and 10,000,000.");
            }
        });
        var kind = new Option<string>("--kind") { Description = "What the objects are: loose (.jpg images) or tars (.tar shards).", DefaultValueFactory = _ => Loose };
        kind.AcceptOnlyFromAmong(Loose, Tars);
        var shardSize = new Option<int>("--shard-size") { Description = "Loose images per shard.", DefaultValueFactory = _ => 1000 };
        shardSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000)
            {
                r.AddError("--shard-size must be between 1 and 1,000,000.");
            }
        });
        var folder = new Option<string?>("--folder")
        {
            Description = "Where the synthetic input and output are made, then removed (default: /dev/shm where it exists, else the temp folder).",
        };
        var command = new Command("enumerate", "Peak memory and time of listing a large input into a job's shard pages, through the silo's real enumeration.")
        {
            objects, kind, shardSize, folder,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await RunAsync(parse.GetValue(objects), parse.GetValue(kind) == Tars, parse.GetValue(shardSize), parse.GetValue(folder), cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(int objects, bool tars, int shardSize, string? folder, CancellationToken cancellationToken)
    {
        var root = Path.Combine(folder ?? (Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath()), "mae-bench-enumerate-" + Guid.NewGuid().ToString("N"));
        try
        {
            var input = Path.Combine(root, "input");
            var output = Path.Combine(root, "output");
            var made = Stopwatch.StartNew();
            MakeInput(input, objects, tars, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"machine: {Environment.ProcessorCount} cores; {objects:N0} zero-byte {(tars ? ".tar" : ".jpg")} files under {root} made in {made.Elapsed.TotalSeconds:F1} s"));

            using var models = new ModelResolver();
            // Resolved once before the measurement, so the figure is the listing's, not the tiny model's generation.
            await models.ResolveAsync(ModelLocator.Tiny, "main", cancellationToken).ConfigureAwait(false);
            var catalog = new StoredInputCatalog(new InferenceOptions(), models, TimeProvider.System);
            var spec = new JobSpec { Input = input, Output = output, Model = ModelLocator.Tiny, ShardSize = shardSize };

            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var reset = ProcStatus.TryResetOwnPeak();
            var before = ProcStatus.Bytes("self", ProcStatus.Resident) ?? -1;
            var watch = Stopwatch.StartNew();
            var shards = await catalog.EnumerateAsync("bench-enumerate", spec, cancellationToken).ConfigureAwait(false);
            var seconds = watch.Elapsed.TotalSeconds;
            var peak = ProcStatus.Bytes("self", ProcStatus.PeakResident) ?? -1;
            var pages = Directory.Exists(Path.Combine(output, "_job", "shards"))
                ? Directory.EnumerateFiles(Path.Combine(output, "_job", "shards"), "page_*.json").Count()
                : 0;

            Console.WriteLine();
            Console.WriteLine("| objects | kind | shard size | shards | pages | seconds | RSS before (MiB) | peak RSS (MiB) |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {objects:N0} | {(tars ? Tars : Loose)} | {shardSize} | {shards:N0} | {pages:N0} | {seconds:F1} | {Mib(before)} | {Mib(peak)} |"));
            if (!reset)
            {
                Console.WriteLine("(the peak could not be reset before the enumeration: it includes making the input)");
            }
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static void MakeInput(string input, int objects, bool tars, CancellationToken cancellationToken)
    {
        for (var first = 0; first < objects; first += ObjectsPerFolder)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var subfolder = Path.Combine(input, string.Create(CultureInfo.InvariantCulture, $"d{first / ObjectsPerFolder:D5}"));
            Directory.CreateDirectory(subfolder);
            for (var i = first; i < Math.Min(objects, first + ObjectsPerFolder); i++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"{(tars ? "s" : "i")}{i:D9}.{(tars ? "tar" : "jpg")}");
                File.OpenHandle(Path.Combine(subfolder, name), FileMode.CreateNew, FileAccess.Write).Dispose();
            }
        }
    }

    private static string Mib(long bytes) => bytes < 0 ? "?" : (bytes / (1024.0 * 1024)).ToString("F0", CultureInfo.InvariantCulture);
}
