using Mae.Cluster.Client;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli;

/// <summary>Follows a job to its end for a command: the progress display on stderr, or with <c>--json</c> a status per change on stdout.</summary>
internal static class JobWatch
{
    /// <summary>How often the job's status is asked for; the coordinator answers from memory, so this is cheap.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Returns the job's final status.</summary>
    public static async Task<JobStatus> FollowAsync(MaeClusterClient jobs, string jobId, bool json, CommandConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(console);
        var outageReported = false;
        void ReportOutage(Exception e)
        {
            // One warning per watch is enough on a terminal or a CI log; the job goes on while the client waits.
            if (!outageReported)
            {
                outageReported = true;
                console.Error.WriteLine($"warning: the cluster is not answering ({e.GetType().Name}); still following job {jobId}…");
            }
        }
        var statuses = jobs.WatchAsync(jobId, PollInterval, outageTolerance: null, ReportOutage, cancellationToken);
        JobStatus? last = null;
        if (json)
        {
            await foreach (var status in statuses.ConfigureAwait(false))
            {
                await JobStatusJson.WriteAsync(console.Out, status).ConfigureAwait(false);
                last = status;
            }
        }
        else
        {
            last = await JobProgressDisplay.FollowAsync(statuses, console).ConfigureAwait(false);
        }
        return last ?? throw new InvalidOperationException($"Watching job {jobId} ended without a status.");
    }

    /// <summary>The exit code of a finished job, saying on stderr why it did not succeed.</summary>
    public static async Task<int> ReportAsync(JobStatus final, CommandConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (JobOutcome.FailureOf(final) is { } failure)
        {
            await console.Error.WriteLineAsync($"error: {failure}").ConfigureAwait(false);
        }
        return JobOutcome.ExitCodeOf(final);
    }
}
