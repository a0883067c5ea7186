using System.Diagnostics;
using System.Globalization;
using Mae.Cluster.Grains;
using Spectre.Console;

namespace Mae.Cluster.Cli;

/// <summary>
/// Shows a job's progress on stderr as its statuses arrive: a live bar (shards n/N, images, images/s, ETA, failures)
/// in a terminal, and a plain line every few seconds otherwise (CI logs). The same display serves <c>mae run</c>,
/// <c>mae submit --wait</c> and <c>mae status --watch</c>.
/// </summary>
internal static class JobProgressDisplay
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Shows every status until the sequence ends, and the <paramref name="notices"/> about the watch on lines of their
    /// own; returns the last status (null if there was none).
    /// </summary>
    public static async Task<JobStatus?> FollowAsync(IAsyncEnumerable<JobStatus> statuses, CommandConsole commandConsole, WatchNotices notices)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        ArgumentNullException.ThrowIfNull(commandConsole);
        ArgumentNullException.ThrowIfNull(notices);
        if (commandConsole.LiveErrorConsole() is not { } console)
        {
            return await FollowPlainAsync(statuses, commandConsole.Error, notices).ConfigureAwait(false);
        }
        // Written through the live console, which keeps the bar below them.
        notices.ShowWith(line => console.MarkupLine(Markup.Escape(line)));
        JobStatus? last = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("starting", maxValue: 1);
                await foreach (var status in statuses.ConfigureAwait(false))
                {
                    last = status;
                    task.MaxValue = Math.Max(1, status.Shards);
                    task.Value = status.ShardsDone + status.ShardsFailed;
                    task.Description = Markup.Escape(Describe(status));
                    if (status.State.IsTerminal())
                    {
                        task.StopTask();
                    }
                }
            }).ConfigureAwait(false);
        return last;
    }

    /// <summary>One line: state, shards n/N, images, rate, time to go and failures.</summary>
    public static string Describe(JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var state = status.State.ToString().ToLowerInvariant();
        var shards = status.Shards == 0 && status.State == JobState.Pending
            ? "listing input"
            : string.Create(CultureInfo.InvariantCulture, $"{status.ShardsDone + status.ShardsFailed}/{status.Shards} shards");
        var rate = status.ImagesPerSecond is { } r ? string.Create(CultureInfo.InvariantCulture, $", {r:F1} images/s") : "";
        var eta = status.EstimatedTimeLeft is { } left && !status.State.IsTerminal() ? $", ETA {Duration(left)}" : "";
        var failedShards = status.ShardsFailed > 0 ? string.Create(CultureInfo.InvariantCulture, $", {status.ShardsFailed} shard{(status.ShardsFailed == 1 ? "" : "s")} failed") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{status.JobId} {state}: {shards}, {status.ImagesDone:N0} images{rate}{eta}, {status.ImagesFailed:N0} failed{failedShards}");
    }

    private static async Task<JobStatus?> FollowPlainAsync(IAsyncEnumerable<JobStatus> statuses, TextWriter error, WatchNotices notices)
    {
        JobStatus? last = null;
        var sinceLine = Stopwatch.StartNew();
        var noticesShown = notices.Posted;
        await foreach (var status in statuses.ConfigureAwait(false))
        {
            // A line per state change, after a notice (where the job stands now) and at the end, else at most one
            // per interval: readable in a CI log.
            if (last is null || status.State != last.State || status.State.IsTerminal() || notices.Posted != noticesShown
                || sinceLine.Elapsed >= PlainInterval)
            {
                noticesShown = notices.Posted;
                await error.WriteLineAsync(Describe(status)).ConfigureAwait(false);
                sinceLine.Restart();
            }
            last = status;
        }
        return last;
    }

    private static string Duration(TimeSpan span) => span.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:D2}m")
        : string.Create(CultureInfo.InvariantCulture, $"{span.Minutes}m{span.Seconds:D2}s");
}
