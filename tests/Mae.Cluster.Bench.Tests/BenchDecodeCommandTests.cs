namespace Mae.Cluster.Bench.Tests;

/// <summary><c>mae-bench decode</c> as a user runs it: a real process, generated JPEGs, a printed table.</summary>
public sealed class BenchDecodeCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task BenchDecodeMakesDeterministicJpegsAndPrintsEveryPath()
    {
        var environment = new Dictionary<string, string> { ["MAE_HOME"] = _temp.Combine("mae-home") };
        string[] quick = ["--count", "6", "--timed", "3", "--rounds", "1", "--seconds", "0.05", "--tjbench-seconds", "0.05", "--photos", TestPhotos.Directory];

        var first = await BuiltProgram.MaeBench.RunAsync(environment, ["decode", "--cache", _temp.Combine("first"), .. quick]);
        Assert.True(first.ExitCode == 0, first.StdErr);
        var second = await BuiltProgram.MaeBench.RunAsync(environment, ["decode", "--cache", _temp.Combine("second"), .. quick]);
        Assert.True(second.ExitCode == 0, second.StdErr);

        string[] made = Jpegs(_temp.Combine("first"));
        Assert.Equal(6, made.Length);
        Assert.Equal(made.Select(Path.GetFileName), Jpegs(_temp.Combine("second")).Select(Path.GetFileName));
        foreach (var (one, other) in made.Zip(Jpegs(_temp.Combine("second"))))
        {
            Assert.Equal(File.ReadAllBytes(one), File.ReadAllBytes(other));
        }

        string[] rows = [.. first.StdOut.Split('\n').Where(line => line.StartsWith("| ", StringComparison.Ordinal))];
        Assert.Contains(rows, row => row.StartsWith("| ImageSharp |", StringComparison.Ordinal));
        Assert.Contains(rows, row => row.StartsWith("| LibjpegTurbo (default): ", StringComparison.Ordinal));
        Assert.Contains(rows, row => row.StartsWith("| LibjpegTurboDctScaled: ", StringComparison.Ordinal));
        // The shipped resize beside the one before issue 12, and the decode alone, for the default mode.
        Assert.Contains(rows, row => row.StartsWith("| LibjpegTurbo (default): ", StringComparison.Ordinal) && row.Contains(", resize before issue 12 | ", StringComparison.Ordinal));
        Assert.Contains(rows, row => row.StartsWith("| LibjpegTurbo (default): ", StringComparison.Ordinal) && row.Contains(", decode only | ", StringComparison.Ordinal));
        bool haveTjbench = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "tjbench")));
        Assert.Equal(haveTjbench, rows.Any(row => row.StartsWith("| tjbench: full-size decode | ", StringComparison.Ordinal)));
        Assert.Contains("model input 224×224", first.StdOut, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();

    private static string[] Jpegs(string cache)
    {
        string[] files = Directory.GetFiles(cache, "*.jpg", SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }
}
