using System.CommandLine;
using Mae.Cluster.Client;

namespace Mae.Cluster.Cli.Commands;

/// <summary><c>mae cancel JOB</c>: stops leasing the job's shards; in-flight shards finish, or with <c>--abandon</c> stop at once.</summary>
internal static class CancelCommand
{
    public static Command Create()
    {
        var jobId = new Argument<string>("job") { Description = "The job id that submit printed." };
        var abandon = new Option<bool>("--abandon") { Description = "Stop in-flight shards too instead of letting them finish (a rerun redoes them)." };
        var json = ClusterCommands.Json("Print the job's status after cancelling as JSON.");
        var config = ClusterCommands.Config();
        var command = new Command("cancel", "Cancel a job; committed shards stay, so submitting the same job again resumes it.") { jobId, abandon, json, config };
        command.SetAction((parse, cancellationToken) => ClusterCommands.WithClusterAsync(parse, config, async jobs =>
        {
            var status = await jobs.CancelAsync(parse.GetValue(jobId)!, parse.GetValue(abandon)).WaitAsync(cancellationToken).ConfigureAwait(false);
            await ClusterCommands.WriteStatusAsync(status, parse.GetValue(json), CommandConsole.Of(parse)).ConfigureAwait(false);
            return 0;
        }, cancellationToken));
        return command;
    }
}
