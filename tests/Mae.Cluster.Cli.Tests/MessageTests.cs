using Mae.Cluster.Cli.Tests.Infrastructure;

namespace Mae.Cluster.Cli.Tests;

/// <summary>What a newcomer reads: refusals in the README's words, help that agrees with itself, and an empty cluster said aloud.</summary>
public sealed class MessageTests(TestSilo silo) : IClassFixture<TestSilo>, IDisposable
{
    private readonly TempDirectory _temp = new();

    private Dictionary<string, string> Environment => new() { ["MAE_HOME"] = _temp.Combine("mae-home") };

    [Fact]
    public async Task ABadPoolIsRefusedInTheReadmesWordsNotAsADotNetType()
    {
        var run = await BuiltProgram.Mae.RunAsync(Environment, "run", _temp.Path, "--output", _temp.Combine("o"), "--model", "tiny", "--pool", "max");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Unknown pool 'max': use cls, mean or both.", run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Mae.Cluster", run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GpuIsNotADeviceNameAndTheValidOnesAreListed()
    {
        var embed = await BuiltProgram.Mae.RunAsync(Environment, "embed", _temp.Path, "--model", "tiny", "--device", "gpu");

        Assert.Equal(2, embed.ExitCode);
        Assert.Contains("Unknown device 'gpu': the devices are cpu, cuda and cuda:N (for example cuda:1).", embed.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("not available", embed.StdErr, StringComparison.Ordinal);
    }

    /// <summary>The <c>mae-bench</c> half of this is <c>BenchHelpTests</c>.</summary>
    [Fact]
    public async Task HelpShowsOneDefaultPerOptionInTheReadmesSpelling()
    {
        var run = await BuiltProgram.Mae.RunAsync(Environment, "run", "--help");
        var pull = await BuiltProgram.Mae.RunAsync(Environment, "model", "pull", "--help");
        var embed = await BuiltProgram.Mae.RunAsync(Environment, "embed", "--help");

        var decodeThreads = run.StdOut.Split('\n').Single(l => l.TrimStart().StartsWith("--decode-threads", StringComparison.Ordinal));
        Assert.Contains($"(default: one per core, {System.Environment.ProcessorCount} here). [default: {System.Environment.ProcessorCount}]", decodeThreads, StringComparison.Ordinal);
        Assert.Contains("--pool <cls|mean|both>", run.StdOut, StringComparison.Ordinal);
        var outputs = run.StdOut.Split('\n').Single(l => l.TrimStart().StartsWith("--outputs", StringComparison.Ordinal));
        Assert.EndsWith("Each runs only the graph it needs. [default: embeddings,loss]", outputs.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("--model", pull.StdOut, StringComparison.Ordinal);
        Assert.Contains("mask, width, height", embed.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListOnAClusterWithoutJobsSaysSoOnStderr()
    {
        var list = await silo.MaeAsync("list");

        Assert.True(list.ExitCode == 0, list.StdErr);
        Assert.Empty(list.StdOut.Trim());
        Assert.Contains("No jobs: this cluster has not been given any", list.StdErr, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
