using System.CommandLine;
using Mae.Cluster.Client;

namespace Mae.Cluster.Cli.Commands;

/// <summary>
/// <c>mae status JOB</c>: a job's state and totals, and where its shards in flight are; <c>--watch</c> follows it to
/// its end. Exits 1 for a failed or cancelled job, so a script can tell.
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
            return await WriteStatusAsync(jobs, id, asJson, CommandConsole.Of(parse), cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    /// <summary>The status once, with where its shards in flight are; the exit code by its state.</summary>
    private static async Task<int> WriteStatusAsync(MaeClusterClient jobs, string id, bool json, CommandConsole console, CancellationToken cancellationToken)
    {
        var status = await jobs.GetStatusAsync(id, cancellationToken).ConfigureAwait(false);
        var inFlight = await jobs.GetShardsInFlightAsync(id).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (json)
        {
            await JobStatusJson.WriteAsync(console.Out, status, inFlight).ConfigureAwait(false);
        }
        else
        {
            await ClusterCommands.WriteStatusAsync(status, json: false, console).ConfigureAwait(false);
            foreach (var line in ShardsInFlightText.Describe(inFlight))
            {
                await console.Out.WriteLineAsync(line).ConfigureAwait(false);
            }
        }
        return JobOutcome.ExitCodeOf(status);
    }
}
