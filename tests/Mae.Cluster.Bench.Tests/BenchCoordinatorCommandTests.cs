namespace Mae.Cluster.Bench.Tests;

/// <summary><c>mae-bench coordinator</c> as a user runs it, on a small synthetic job with in-memory grain storage.</summary>
public sealed class BenchCoordinatorCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _environment;

    public BenchCoordinatorCommandTests() => _environment = new() { ["MAE_HOME"] = _temp.Combine("mae-home") };

    [Fact]
    public async Task CompletesEveryShardAndPrintsRatesAndWhatStorageReceivedPerCompletion()
    {
        var run = await BuiltProgram.MaeBench.RunAsync(_environment, "coordinator", "--shards", "2000", "--workers", "4", "--partition-size", "256");

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Equal(2000, BenchFigures.Value(run.StdOut, "shard completions"));
        Assert.True(BenchFigures.Value(run.StdOut, "lease+complete per second, whole job") > 0, run.StdOut);
        Assert.True(BenchFigures.Value(run.StdOut, "submit returned after (ms)") > 0, run.StdOut);
        // Each shard is one partition write to lease it and one to complete it; the job and registry add a handful.
        Assert.InRange(BenchFigures.Value(run.StdOut, "grain storage writes per completion"), 2.0, 2.1);
        // A partition persists one byte per shard (encoded), so a completion costs at least a partition's worth...
        var perCompletion = BenchFigures.Value(run.StdOut, "bytes persisted per completion");
        Assert.True(perCompletion > 256, run.StdOut);
        // ...and, with every write being one partition's small state, at most about two of the largest.
        Assert.True(perCompletion <= 2.1 * BenchFigures.Value(run.StdOut, "partition state size (bytes, largest write)"), run.StdOut);
    }

    [Fact]
    public async Task AzureStorageWithoutAConnectionStringIsRefused()
    {
        _environment["Mae__Cluster__ConnectionString"] = "";
        var run = await BuiltProgram.MaeBench.RunAsync(_environment, "coordinator", "--shards", "10", "--storage", "azure");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--connection-string", run.StdErr, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
