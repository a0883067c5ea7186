using Mae.Cluster.Bench;
using Mae.Cluster.Cli;

return await MaeCli.RunAsync(BenchCli.Build(), "mae-bench", args).ConfigureAwait(false);
