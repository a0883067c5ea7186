using System.Globalization;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Client;

/// <summary>
/// What a job's final status means for the command's exit code: 0 when it completed with every shard done (images
/// that failed within the budget are recorded and do not count against it), 1 when it failed, was cancelled, or
/// completed without some shards (its output is not whole and gets no _SUCCESS).
/// </summary>
public static class JobOutcome
{
    /// <summary>The exit code of a job that completed with every shard done.</summary>
    public const int Succeeded = 0;
    /// <summary>The exit code of a job that failed, was cancelled or completed without some shards.</summary>
    public const int Failed = 1;

    /// <summary><see cref="Succeeded"/> or <see cref="Failed"/> for a final status; <see cref="Succeeded"/> for one still running.</summary>
    public static int ExitCodeOf(JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.State == JobState.Completed && status.ShardsFailed == 0 ? Succeeded
            : status.State.IsTerminal() ? Failed
            : Succeeded;
    }

    /// <summary>
    /// The last line of a job that succeeded: what this run computed beside what an earlier run had committed, and the
    /// failed images first when there are any, so they are not missed.
    /// </summary>
    public static string CompletedLine(JobStatus status, string output)
    {
        ArgumentNullException.ThrowIfNull(status);
        var invariant = CultureInfo.InvariantCulture;
        if (status.ShardsAlreadyCommitted == status.Shards)
        {
            return string.Create(invariant,
                $"Nothing to do: {(status.Shards == 1 ? "the 1 shard was" : $"all {status.Shards} shards were")} already committed by an earlier run ({status.ImagesDone} images, {status.ImagesFailed} failed) → {output}");
        }
        var elapsed = status.FinishedAt - status.StartedAt;
        var rate = elapsed is { TotalSeconds: > 0 } e ? string.Create(invariant, $", {status.ImagesComputed / e.TotalSeconds:F2} images/s") : "";
        var shards = status.ShardsAlreadyCommitted > 0
            ? string.Create(invariant, $"{Shards(status.Shards)} ({status.Shards - status.ShardsAlreadyCommitted} computed now, {status.ShardsAlreadyCommitted} already committed)")
            : Shards(status.Shards);
        var images = status.ShardsAlreadyCommitted > 0
            ? string.Create(invariant, $"{Images(status.ImagesDone)} embedded ({status.ImagesComputed} now)")
            : $"{Images(status.ImagesDone)} embedded";
        var head = status.ImagesFailed > 0
            ? string.Create(invariant, $"Completed with {status.ImagesFailed} failed image{(status.ImagesFailed == 1 ? "" : "s")} (listed in {output}/failures/)")
            : "Completed";
        return string.Create(invariant, $"{head}: {shards}, {images}, {status.ImagesFailed} failed{rate} → {output}");
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

    private static string Shards(int count) => string.Create(CultureInfo.InvariantCulture, $"{count} shard{(count == 1 ? "" : "s")}");

    private static string Images(long count) => string.Create(CultureInfo.InvariantCulture, $"{count} image{(count == 1 ? "" : "s")}");
}
