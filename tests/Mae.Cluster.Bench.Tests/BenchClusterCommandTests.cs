using System.Globalization;

namespace Mae.Cluster.Bench.Tests;

/// <summary><c>mae-bench cluster</c> as a user runs it: the tiny model, a few real photos, one and two in-process silos.</summary>
public sealed class BenchClusterCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _environment;

    public BenchClusterCommandTests() => _environment = new() { ["MAE_HOME"] = _temp.Combine("mae-home") };

    [Fact]
    public async Task EmbedsEveryImageOnEachSiloCountAndPrintsRatesAgainstOneSilo()
    {
        var run = await BuiltProgram.MaeBench.RunAsync(_environment,
            "cluster", "--model", "tiny", "--images", "8", "--shard-size", "2", "--silos", "1,2", "--photos", TestPhotos.Directory);

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("share", run.StdOut, StringComparison.Ordinal); // the note that in-process silos share the cores
        // | silos | images | shards | seconds | images/s | ratio to 1 silo |
        var rows = BenchFigures.Rows(run.StdOut).Where(r => r.Length == 6 && r[0] != "silos").ToArray();
        Assert.Equal(["1", "2"], rows.Select(r => r[0]));
        foreach (var row in rows)
        {
            Assert.Equal(8, BenchFigures.Number(row[1]));
            Assert.Equal(4, BenchFigures.Number(row[2]));
            Assert.True(BenchFigures.Number(row[4]) > 0, run.StdOut);
        }
        Assert.Equal(1.0, BenchFigures.Number(rows[0][5]));
        var expectedRatio = BenchFigures.Number(rows[1][4]) / BenchFigures.Number(rows[0][4]);
        Assert.Equal(expectedRatio.ToString("F2", CultureInfo.InvariantCulture), rows[1][5]);
    }

    [Fact]
    public async Task BadSiloCountsAreRefused()
    {
        var run = await BuiltProgram.MaeBench.RunAsync(_environment, "cluster", "--silos", "1,zero");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--silos", run.StdErr, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
