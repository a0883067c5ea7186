namespace Mae.Cluster.Bench.Tests;

/// <summary><c>mae-bench</c>'s help as a newcomer reads it (the <c>mae</c> half is the CLI tests' <c>MessageTests</c>).</summary>
public sealed class BenchHelpTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private Dictionary<string, string> Environment => new() { ["MAE_HOME"] = _temp.Combine("mae-home") };

    [Fact]
    public async Task HelpShowsOneDefaultPerOptionInTheReadmesSpelling()
    {
        var benchModel = await BuiltProgram.MaeBench.RunAsync(Environment, "model", "--help");
        var benchCluster = await BuiltProgram.MaeBench.RunAsync(Environment, "cluster", "--help");

        Assert.Contains("(default: 1,8,32)", benchModel.StdOut, StringComparison.Ordinal);
        Assert.Contains("(default: 1,2,3)", benchCluster.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("|8|", benchModel.StdOut + benchCluster.StdOut, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
