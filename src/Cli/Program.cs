using Mae.Cluster.Cli;

return await MaeCli.RunAsync(args).ConfigureAwait(false);
