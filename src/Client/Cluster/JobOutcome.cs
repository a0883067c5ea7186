using System.Globalization;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Client.Cluster;

/// <summary>
/// What a job's final status means for the command's exit code: 0 when it completed with every shard done (images
/// that failed within the budget are recorded and do not count against it), 1 when it failed, was cancelled, or
/// completed without some shards (its output is not whole and gets no _SUCCESS).
/// </summary>
internal static class JobOutcome
{
    public const int Succeeded = 0;
    public const int Failed = 1;

    public static int ExitCodeOf(JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.State == JobState.Completed && status.ShardsFailed == 0 ? Succeeded
            : status.State.IsTerminal() ? Failed
            : Succeeded;
    }

    /// <summary>Why a finished job did not succeed, in one line; null when it succeeded or has not finished.</summary>
    public static string? FailureOf(JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.State switch
        {
            JobState.Failed => $"Job {status.JobId} failed: {status.Reason ?? "no reason recorded"}",
            JobState.Cancelled => $"Job {status.JobId} was cancelled: {status.Reason ?? "no reason recorded"}",
            JobState.Completed when status.ShardsFailed > 0 => string.Create(CultureInfo.InvariantCulture,
                $"Job {status.JobId} finished, but {status.ShardsFailed} of {status.Shards} shards failed after every attempt; " +
                $"{status.Spec.Output} is incomplete (no _SUCCESS). {status.Reason} " +
                $"Run or submit the same job again (under a new job id) to retry them: committed shards are not redone."),
            _ => null,
        };
    }
}
