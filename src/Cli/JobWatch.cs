using System.Globalization;
using Mae.Cluster.Client;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli;

/// <summary>Follows a job to its end for a command: the progress display on stderr, or with <c>--json</c> a status per change on stdout.</summary>
internal static class JobWatch
{
    /// <summary>How often the job's status is asked for; the coordinator answers from memory, so this is cheap.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a long outage is reported again, so a terminal or CI log shows the watch is still trying.</summary>
    private static readonly TimeSpan OutageReminder = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The poll timeout of <c>mae run</c>, whose embedded silo has no other to fail over to: a status call that is
    /// slow there means the process is busy (inference on every core), not that a silo died.
    /// </summary>
    public static readonly TimeSpan EmbeddedPollTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Returns the job's final status.</summary>
    /// <param name="pollTimeout">How long one status call may go unanswered before it is retried; default <see cref="JobWatchOptions.PollTimeout"/>.</param>
    public static async Task<JobStatus> FollowAsync(MaeClusterClient jobs, string jobId, bool json, CommandConsole console, CancellationToken cancellationToken,
        TimeSpan? pollTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(console);
        var notices = new WatchNotices(console.Error);
        var options = WatchOptions(jobId, notices);
        var statuses = jobs.WatchAsync(jobId, pollTimeout is { } timeout ? options with { PollTimeout = timeout } : options, cancellationToken);
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
            last = await JobProgressDisplay.FollowAsync(statuses, console, notices).ConfigureAwait(false);
        }
        return last ?? throw new InvalidOperationException($"Watching job {jobId} ended without a status.");
    }

    /// <summary>
    /// The exit code of a finished job: the completed line on stderr when it succeeded (the output it wrote to), else
    /// why it did not.
    /// </summary>
    public static async Task<int> ReportAsync(JobStatus final, CommandConsole console)
    {
        ArgumentNullException.ThrowIfNull(final);
        ArgumentNullException.ThrowIfNull(console);
        if (JobOutcome.FailureOf(final) is { } failure)
        {
            await console.Error.WriteLineAsync($"error: {failure}").ConfigureAwait(false);
        }
        else if (final.State == JobState.Completed)
        {
            await console.Error.WriteLineAsync(JobOutcome.CompletedLine(final, final.Spec.Output)).ConfigureAwait(false);
        }
        return JobOutcome.ExitCodeOf(final);
    }

    /// <summary>
    /// The watch's poll, telling the user in a line of its own when the job coordinator stops answering (once, then
    /// every <see cref="OutageReminder"/>) and when it answers again.
    /// </summary>
    private static JobWatchOptions WatchOptions(string jobId, WatchNotices notices)
    {
        var reminded = TimeSpan.Zero;
        var lost = false;
        return new JobWatchOptions
        {
            Interval = PollInterval,
            OnContactLost = outage =>
            {
                if (!lost)
                {
                    lost = true;
                    reminded = outage.Since;
                    notices.Post(string.Create(CultureInfo.InvariantCulture,
                        $"lost contact with the cluster's job coordinator for job {jobId} ({outage.Reason}); retrying (silo failed?)"));
                }
                else if (outage.Since - reminded >= OutageReminder)
                {
                    reminded = outage.Since;
                    notices.Post(string.Create(CultureInfo.InvariantCulture,
                        $"still no contact with the job coordinator after {outage.Since.TotalSeconds:F0} s; giving up after {outage.GiveUpAfter.TotalSeconds:F0} s"));
                }
            },
            OnContactRestored = outage =>
            {
                lost = false;
                notices.Post(string.Create(CultureInfo.InvariantCulture,
                    $"the job coordinator answers again after {outage.TotalSeconds:F0} s; following job {jobId}"));
            },
        };
    }
}
