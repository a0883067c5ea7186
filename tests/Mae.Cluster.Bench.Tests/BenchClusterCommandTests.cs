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

    /// <summary>Silo processes with simulated devices: each job sized to silos × rate × seconds, and a peak RSS per silo process.</summary>
    [Fact]
    public async Task ProcessModeRunsEachSiloAsAProcessAndPrintsItsPeakMemory()
    {
        var run = await BuiltProgram.MaeBench.RunAsync(_environment,
            "cluster", "--processes", "--simulated-rate", "40", "--seconds", "1", "--silos", "1,2", "--shard-size", "8", "--photos", TestPhotos.Directory);

        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        Assert.Contains("its own process", run.StdOut, StringComparison.Ordinal);
        // | silos | images | shards | seconds | images/s | ratio to 1 silo | peak RSS per silo process (MiB) |
        var header = BenchFigures.Rows(run.StdOut).Single(r => r[0] == "silos");
        Assert.Equal(["silos", "images", "shards", "seconds", "images/s", "ratio to 1 silo", "peak RSS per silo process (MiB)"], header);
        var rows = BenchFigures.Rows(run.StdOut).Where(r => r.Length == 7 && r[0] != "silos").ToArray();
        Assert.Equal(["1", "2"], rows.Select(r => r[0]));
        foreach (var row in rows)
        {
            var silos = (int)BenchFigures.Number(row[0]);
            Assert.Equal(silos * 40, BenchFigures.Number(row[1]));
            Assert.Equal(silos * 5, BenchFigures.Number(row[2]));
            // Never faster than the simulated devices allow (a lower bound only: the machine may be busy).
            Assert.True(BenchFigures.Number(row[4]) <= silos * 40 * 1.05, run.StdOut);
            var peaks = row[6].Split(',', StringSplitOptions.TrimEntries).Select(BenchFigures.Number).ToArray();
            Assert.Equal(silos, peaks.Length);
            Assert.All(peaks, mib => Assert.InRange(mib, 20, 4096));
        }
    }

    /// <summary>With <c>--storage azure</c> the silo processes keep membership in Azure Tables and job state in blobs (Azurite here).</summary>
    [Fact]
    public async Task ProcessModeOnAzureStorageKeepsMembershipInTablesAndNeverPrintsTheKey()
    {
        var azurite = AzuriteFixture.WithTables();
        await azurite.InitializeAsync();
        try
        {
            var connection = azurite.ConnectionString;
            var run = await BuiltProgram.MaeBench.RunAsync(_environment,
                "cluster", "--processes", "--storage", "azure", "--connection-string", connection,
                "--simulated-rate", "40", "--seconds", "1", "--silos", "1,2", "--shard-size", "8", "--photos", TestPhotos.Directory);

            Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
            Assert.Contains("AzureStorage clustering", run.StdOut, StringComparison.Ordinal);
            Assert.DoesNotContain(AzuriteFixture.AccountKey, run.StdOut + run.StdErr, StringComparison.Ordinal);
            var rows = BenchFigures.Rows(run.StdOut).Where(r => r.Length == 7 && r[0] != "silos").ToArray();
            Assert.Equal(["1", "2"], rows.Select(r => r[0]));
            Assert.All(rows, row => Assert.Equal(BenchFigures.Number(row[0]) * 40, BenchFigures.Number(row[1])));
            // The silos found each other through the membership table.
            var tables = new Azure.Data.Tables.TableServiceClient(connection);
            var names = new List<string>();
            await foreach (var table in tables.QueryAsync(cancellationToken: TestContext.Current.CancellationToken))
            {
                names.Add(table.Name);
            }
            Assert.Contains(names, n => n.Contains("Silo", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    [Fact]
    public async Task AzureStorageWithoutProcessesIsRefused()
    {
        var run = await BuiltProgram.MaeBench.RunAsync(_environment, "cluster", "--storage", "azure");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--storage azure needs --processes", run.StdErr, StringComparison.Ordinal);
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
