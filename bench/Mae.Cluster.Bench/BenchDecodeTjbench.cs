using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mae.Cluster.Bench;

/// <summary>
/// libjpeg-turbo's own benchmark (<c>tjbench</c>, Debian package libjpeg-turbo-progs), pinned to one core with
/// <c>taskset</c>: its decode frame rate for one file, full size or at a DCT scale.
/// </summary>
internal sealed partial class BenchDecodeTjbench
{
    private readonly string _executable;
    private readonly string? _taskset;
    private readonly int _core;
    private readonly double _benchSeconds;
    private readonly double _warmupSeconds;

    private BenchDecodeTjbench(string executable, string? taskset, int core, double benchSeconds, double warmupSeconds)
    {
        _executable = executable;
        _taskset = taskset;
        _core = core;
        _benchSeconds = benchSeconds;
        _warmupSeconds = warmupSeconds;
    }

    /// <summary>Whether runs are pinned (taskset found).</summary>
    public bool Pinned => _taskset is not null;

    public string Executable => _executable;

    /// <summary>The runner, or null with <paramref name="missing"/> saying how to install tjbench.</summary>
    public static BenchDecodeTjbench? Find(string? explicitPath, int core, double benchSeconds, double warmupSeconds, out string? missing)
    {
        string? executable = explicitPath ?? OnPath("tjbench");
        missing = executable is not null && File.Exists(executable)
            ? null
            : $"tjbench not found{(explicitPath is null ? " on PATH" : $" at {explicitPath}")} (Debian: apt-get install libjpeg-turbo-progs)";
        return missing is null ? new BenchDecodeTjbench(executable!, OnPath("taskset"), core, benchSeconds, warmupSeconds) : null;
    }

    /// <summary>
    /// Decompressions per second of <paramref name="file"/>, at <paramref name="scale"/> (e.g. "1/2") when given: as
    /// tjbench reports them (wall clock), and per CPU second (scaled by the share of the core tjbench got, from its
    /// CPU time over its wall time).
    /// </summary>
    public Rate FramesPerSecond(string file, string? scale, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_taskset ?? _executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (_taskset is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(_core.ToString(CultureInfo.InvariantCulture));
            start.ArgumentList.Add(_executable);
        }

        // -nowrite: no output images; -rgb: the pixel order the preprocessor asks for.
        foreach (string argument in new[] { file, "-rgb", "-nowrite", "-benchtime", Seconds(_benchSeconds), "-warmup", Seconds(_warmupSeconds) })
        {
            start.ArgumentList.Add(argument);
        }

        if (scale is not null)
        {
            start.ArgumentList.Add("-scale");
            start.ArgumentList.Add(scale);
        }

        double cpuBefore = BenchDecodeCpu.ChildrenCpuSeconds();
        var wall = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        using var registration = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        double wallSeconds = wall.Elapsed.TotalSeconds;
        double cpuSeconds = BenchDecodeCpu.ChildrenCpuSeconds() - cpuBefore;
        cancellationToken.ThrowIfCancellationRequested();
        Match match = DecompressFrameRate().Match(output);
        if (process.ExitCode != 0 || !match.Success)
        {
            throw new InvalidOperationException(
                $"tjbench on {file} gave no decompression frame rate (exit code {process.ExitCode}): {errors.GetAwaiter().GetResult().Trim()} {output.Trim()}");
        }

        double framesPerSecond = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        double share = cpuSeconds > 0 ? Math.Min(1, cpuSeconds / wallSeconds) : 1;
        return new Rate(framesPerSecond, framesPerSecond / share);
    }

    /// <summary>Frames per wall second and per CPU second.</summary>
    public readonly record struct Rate(double Wall, double Cpu);

    private static string Seconds(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    // tjbench 2.x prints "Decompress    --> Frame rate:         897.097193 fps".
    [GeneratedRegex(@"Decompress\s+-->\s+Frame rate:\s+([0-9.]+)\s+fps")]
    private static partial Regex DecompressFrameRate();
}
