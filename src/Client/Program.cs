using Mae.Cluster.Client;

return await MaeCli.RunAsync(args).ConfigureAwait(false);
