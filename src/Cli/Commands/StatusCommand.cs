using System.CommandLine;
using Mae.Cluster.Client;

namespace Mae.Cluster.Cli.Commands;

/// <summary>
/// <c>mae status JOB</c>: a job's state and totals; <c>--watch</c> follows it to its end. Exits 1 for a failed or
/// cancelled job, so a script can tell.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var jobId = new Argument<string>("job") { Description = "The job id that submit printed." };
        var watch = new Option<bool>("--watch", "-w") { Description = "Follow the job until it ends." };
        var json = ClusterCommands.Json("Print the status as JSON (one object per change with --watch).");
        var config = ClusterCommands.Config();
        var command = new Command("status", "Show a job's state and progress.") { jobId, watch, json, config };
        command.SetAction((parse, cancellationToken) => ClusterCommands.WithClusterAsync(parse, config, async jobs =>
        {
            var id = parse.GetValue(jobId)!;
            var asJson = parse.GetValue(json);
            if (parse.GetValue(watch))
            {
                return await ClusterCommands.WatchAsync(jobs, id, asJson, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
            }
            var status = await jobs.GetStatusAsync(id, cancellationToken).ConfigureAwait(false);
            await ClusterCommands.WriteStatusAsync(status, asJson, CommandConsole.Of(parse)).ConfigureAwait(false);
            return JobOutcome.ExitCodeOf(status);
        }, cancellationToken));
        return command;
    }
}
