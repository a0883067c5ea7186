using System.CommandLine;
using Mae.Cluster.Client.Cluster;

namespace Mae.Cluster.Client.Commands;

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
            foreach (var status in await jobs.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                await ClusterCommands.WriteStatusAsync(status, parse.GetValue(json)).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken));
        return command;
    }
}
