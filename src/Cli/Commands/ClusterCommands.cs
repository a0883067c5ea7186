using System.CommandLine;
using Mae.Cluster.Client;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli.Commands;

/// <summary>What every command against a running cluster shares: <c>--config</c>, connecting, and unknown job ids as refusals.</summary>
internal static class ClusterCommands
{
    public static Option<string?> Config() => new("--config")
    {
        Description = "JSON file with a Mae:Cluster section (the shape of the silo's appsettings.json); " +
                      "environment variables such as Mae__Cluster__Clustering override it.",
    };

    public static Option<bool> Json(string description) => new("--json") { Description = description };

    /// <summary>Connects as configured and runs <paramref name="action"/>; a job id the cluster does not know is a refusal.</summary>
    public static async Task<int> WithClusterAsync(ParseResult parse, Option<string?> config, Func<MaeClusterClient, Task<int>> action,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(action);
        var options = ClusterConnection.ReadOptions(parse.GetValue(config));
        var connection = await ClusterConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                return await action(connection.Jobs).ConfigureAwait(false);
            }
            catch (KeyNotFoundException e)
            {
                throw new RequestRefusedException(e.Message, e);
            }
        }
    }

    /// <summary>One status on stdout: a JSON object with <c>--json</c>, else a line (and the reason, if any).</summary>
    public static async Task WriteStatusAsync(JobStatus status, bool json, CommandConsole console)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(console);
        if (json)
        {
            await JobStatusJson.WriteAsync(console.Out, status).ConfigureAwait(false);
            return;
        }
        await console.Out.WriteLineAsync(JobProgressDisplay.Describe(status)).ConfigureAwait(false);
        if (status.Reason is { } reason)
        {
            await console.Out.WriteLineAsync($"reason: {reason}").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Follows a job to its end and exits by its outcome. Ctrl-C stops watching only: the job goes on in the cluster.
    /// </summary>
    public static async Task<int> WatchAsync(MaeClusterClient jobs, string jobId, bool json, CommandConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        try
        {
            var final = await JobWatch.FollowAsync(jobs, jobId, json, console, cancellationToken).ConfigureAwait(false);
            return await JobWatch.ReportAsync(final, console).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync($"Stopped watching; job {jobId} goes on in the cluster ('mae cancel {jobId}' stops it).").ConfigureAwait(false);
            throw;
        }
    }
}
