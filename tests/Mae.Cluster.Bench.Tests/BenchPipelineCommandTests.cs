namespace Mae.Cluster.Bench.Tests;

/// <summary><c>mae-bench pipeline</c> as a user runs it, on the tiny model and a few real photos.</summary>
public sealed class BenchPipelineCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task PrintsModelOnlyRunnerAndEmbeddedClusterRatesAndPeakMemoryOfMaeRun()
    {
        var run = await BuiltProgram.MaeBench.RunAsync(new Dictionary<string, string> { ["MAE_HOME"] = _temp.Combine("mae-home") },
            "pipeline", "--model", "tiny", "--images", "8", "--shards", "2", "--batch-size", "4", "--memory-shard-sizes", "4",
            "--photos", TestPhotos.Directory);

        Assert.True(run.ExitCode == 0, run.StdErr);
        var rows = BenchFigures.Rows(run.StdOut).Where(r => r.Length == 2).ToDictionary(r => r[0], r => r[1]);
        var modelOnly = BenchFigures.Number(rows["model only, embeddings + loss (features + reconstruction graphs, pre-made tensors)"]);
        var modelOnlyEmbeddings = BenchFigures.Number(rows["model only, embeddings only (features graph)"]);
        var runner = BenchFigures.Number(rows["end to end, embeddings + loss (8 JPEGs in tar shards → npy/parquet)"]);
        var runnerEmbeddings = BenchFigures.Number(rows["end to end, embeddings only (`--outputs embeddings`)"]);
        var embedded = BenchFigures.Number(rows["`mae run` path: the same shards on an embedded one-silo cluster (one worker, two shards in flight)"]);
        Assert.All([modelOnly, modelOnlyEmbeddings, runner, runnerEmbeddings, embedded], rate => Assert.True(rate > 0, run.StdOut));
        // Both rates are printed rounded to 0.01 and the ratio to 0.001: that much, and no more, may separate them.
        var ratio = runnerEmbeddings / runner;
        var rounding = 0.0005 + (ratio * ((0.005 / runnerEmbeddings) + (0.005 / runner)));
        Assert.InRange(BenchFigures.Number(rows["ratio embeddings only / embeddings + loss, end to end"]) - ratio, -rounding, rounding);
        // The printed rates are rounded to 0.01, so their ratio may differ from the printed one in the third decimal.
        Assert.InRange(BenchFigures.Number(rows["ratio embedded cluster / model-only"]) - embedded / modelOnly, -0.002, 0.002);
        // The peak-memory row comes from a real `mae run` child process on a 4-image shard.
        Assert.True(BenchFigures.Number(rows["4"]) > 50, run.StdOut);
    }

    [Fact]
    public async Task MemoryShardSizeZeroSkipsThePeakMemoryRuns()
    {
        var run = await BuiltProgram.MaeBench.RunAsync(new Dictionary<string, string> { ["MAE_HOME"] = _temp.Combine("mae-home") },
            "pipeline", "--model", "tiny", "--images", "4", "--shards", "1", "--batch-size", "4", "--photos", TestPhotos.Directory,
            "--memory-shard-sizes", "0");

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("ratio embedded cluster / model-only", run.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("peak RSS", run.StdOut, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
