using System.Text.Json;
using Mae.Cluster.Cli.Tests.Infrastructure;

namespace Mae.Cluster.Cli.Tests;

/// <summary>
/// <c>mae verify</c> and <c>mae run --repair</c> as a user runs them, on an output damaged exactly as concurrent writers
/// once damaged real ones: null captions marked present, one byte in a metadata file that DuckDB and pyarrow refuse.
/// </summary>
public sealed class VerifyAndRepairTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _environment;

    public VerifyAndRepairTests() => _environment = new() { ["MAE_HOME"] = _temp.Combine("mae-home") };

    [Fact]
    public async Task VerifyReportsTheDamagedShardAndRunRepairRecomputesOnlyIt()
    {
        var (input, keys) = TestInputs.WriteLoose(_temp);
        var output = _temp.Combine("output");
        string[] run = ["run", input, "--output", output, "--model", "tiny", "--shard-size", "5"];
        var first = await BuiltProgram.Mae.RunAsync(_environment, run);
        Assert.True(first.ExitCode == 0, first.StdErr);
        var shards = (keys.Length + 4) / 5;
        var healthy = await BuiltProgram.Mae.RunAsync(_environment, "verify", output);
        Assert.True(healthy.ExitCode == 0, healthy.StdErr);
        Assert.Equal($"{output}: {shards} of {shards} shards committed; {shards} verified ({keys.Length} images), 0 bad.", healthy.StdOut.Trim());

        var damaged = Path.Combine(output, "metadata", "metadata_00001.parquet");
        var good = await File.ReadAllBytesAsync(damaged, TestContext.Current.CancellationToken);
        var bad = good.ToArray();
        CorruptFiles.MarkNullCaptionsPresent(bad, rows: 5);
        await File.WriteAllBytesAsync(damaged, bad, TestContext.Current.CancellationToken);
        var untouched = JobOutputFiles.ShardFileTimes(output).Where(f => !f.Key.Contains("00001", StringComparison.Ordinal)).ToDictionary();

        var found = await BuiltProgram.Mae.RunAsync(_environment, "verify", output);
        var json = await BuiltProgram.Mae.RunAsync(_environment, "verify", output, "--json");

        Assert.Equal(1, found.ExitCode);
        Assert.StartsWith("shard 1: metadata/metadata_00001.parquet: Not a readable metadata file: ", found.StdOut, StringComparison.Ordinal);
        Assert.Contains($"{shards - 1} verified ({keys.Length - 5} images), 1 bad. Recompute the bad shards", found.StdOut, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        using (var report = JsonDocument.Parse(json.StdOut))
        {
            Assert.False(report.RootElement.GetProperty("healthy").GetBoolean());
            Assert.Equal(1, report.RootElement.GetProperty("problems")[0].GetProperty("shard").GetInt32());
        }

        var repair = await BuiltProgram.Mae.RunAsync(_environment, [.. run, "--repair"]);

        Assert.True(repair.ExitCode == 0, repair.StdErr);
        Assert.Contains($"repair: 1 of {shards} committed shards will be recomputed (1).", repair.StdErr, StringComparison.Ordinal);
        Assert.Equal(good, await File.ReadAllBytesAsync(damaged, TestContext.Current.CancellationToken));
        Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
        Assert.Equal(untouched, JobOutputFiles.ShardFileTimes(output).Where(f => untouched.ContainsKey(f.Key)).ToDictionary());
        Assert.Equal(keys, JobOutputFiles.AllKeys(output));
        Assert.Equal(0, (await BuiltProgram.Mae.RunAsync(_environment, "verify", output)).ExitCode);
    }

    [Fact]
    public async Task VerifyOfAFolderThatIsNoJobsOutputIsRefused()
    {
        var folder = _temp.Combine("empty");
        Directory.CreateDirectory(folder);

        var verify = await BuiltProgram.Mae.RunAsync(_environment, "verify", folder);

        Assert.Equal(2, verify.ExitCode);
        Assert.Contains("holds no job.json: it is not the output of a job.", verify.StdErr, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
