using System.CommandLine;

namespace Mae.Cluster.Bench;

/// <summary>The <c>mae-bench</c> command line: benchmarks that print figures (docs/benchmarks.md), none of them part of the product.</summary>
internal static class BenchCli
{
    public static RootCommand Build() => new("mae-bench — Mae.Cluster's benchmarks: figures measured side by side in one run (see docs/benchmarks.md).")
    {
        BenchModelCommand.Create(),
        BenchPipelineCommand.Create(),
        BenchDecodeCommand.Create(),
        BenchCoordinatorCommand.Create(),
        BenchClusterCommand.Create(),
        BenchEnumerateCommand.Create(),
    };
}
