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
        // Leases are not persisted and a partition gathers its completions into one write per interval, so instant
        // shards cost far less than one write each; the job and registry add a handful.
        var writes = BenchFigures.Value(run.StdOut, "grain storage writes per completion");
        Assert.True(writes is > 0 and < 0.5, run.StdOut);
        // A partition of 256 shards persists them in 64 bytes (two bits each) plus its counters.
        var largest = BenchFigures.Value(run.StdOut, "partition state size (bytes, largest write)");
        Assert.True(largest is > 64 and < 1024, run.StdOut);
        Assert.True(BenchFigures.Value(run.StdOut, "bytes persisted per completion") <= 1024, run.StdOut);
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
