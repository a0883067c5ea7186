using System.CommandLine;
using Mae.Cluster.Client;

namespace Mae.Cluster.Cli.Commands;

/// <summary><c>mae list</c>: every job the cluster knows, oldest first, one line (or JSON object) each.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var json = ClusterCommands.Json("Print one JSON status object per job and line.");
        var config = ClusterCommands.Config();
        var command = new Command("list", "List the cluster's jobs.") { json, config };
        command.SetAction((parse, cancellationToken) => ClusterCommands.WithClusterAsync(parse, config, async jobs =>
        {
            var statuses = await jobs.ListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var status in statuses)
            {
                await ClusterCommands.WriteStatusAsync(status, parse.GetValue(json), CommandConsole.Of(parse)).ConfigureAwait(false);
            }
            if (statuses.Count == 0 && !parse.GetValue(json))
            {
                // Said on stderr, so stdout stays one line per job; an empty list looks the same as the wrong cluster otherwise.
                await CommandConsole.Of(parse).Error.WriteLineAsync("No jobs: this cluster has not been given any (is it the one you meant? --config and Mae__Cluster__* choose it).").ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken));
        return command;
    }
}
