using System.Runtime.CompilerServices;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Client;

/// <summary>The client library over a running cluster: submit, watch, cancel and list jobs. Grains exchange only ids and counts.</summary>
public sealed class MaeClusterClient(IClusterClient client)
{
    /// <summary>Submits a job; with no id a new one is generated. Resubmitting the same spec under the same id returns the existing job.</summary>
    public Task<JobStatus> SubmitAsync(JobSpec spec, string? jobId = null) =>
        client.GetGrain<IJobGrain>(jobId ?? $"job-{Guid.NewGuid():N}").SubmitAsync(spec);

    /// <summary>The job's current status, as its coordinator grain holds it.</summary>
    public Task<JobStatus> GetStatusAsync(string jobId, CancellationToken cancellationToken = default) =>
        client.GetGrain<IJobGrain>(jobId).GetStatusAsync(cancellationToken);

    /// <summary>
    /// The job's shards leased now (up to <paramref name="maxCount"/>, in shard order), each with the worker holding it
    /// ("{silo address}/{device}") and its attempts so far: where the work is, and which shards needed another try.
    /// </summary>
    public Task<IReadOnlyList<ShardRecord>> GetShardsInFlightAsync(string jobId, int maxCount = 10_000) =>
        client.GetGrain<IJobGrain>(jobId).GetShardsInFlightAsync(maxCount);

    /// <summary>
    /// Cancels the job: no new shard is leased; shards in flight finish and commit unless <paramref name="abandonInFlight"/>,
    /// in which case their work is dropped (a rerun of the same job redoes them).
    /// </summary>
    public Task<JobStatus> CancelAsync(string jobId, bool abandonInFlight = false) => client.GetGrain<IJobGrain>(jobId).CancelAsync(abandonInFlight);

    /// <summary>Every job the cluster knows, oldest first.</summary>
    public async Task<IReadOnlyList<JobStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        var ids = await client.GetGrain<IJobRegistryGrain>(0).GetAllJobsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return await Task.WhenAll(ids.Select(id => GetStatusAsync(id, cancellationToken))).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Follows the job (as <see cref="WatchAsync"/> does) and returns its terminal status.</summary>
    public async Task<JobStatus> WaitForEndAsync(string jobId, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        var options = interval is { } every ? new JobWatchOptions { Interval = every } : null;
        JobStatus? last = null;
        await foreach (var status in WatchAsync(jobId, options, cancellationToken).ConfigureAwait(false))
        {
            last = status;
        }
        return last ?? throw new InvalidOperationException($"Watching job {jobId} ended without a status.");
    }

    /// <summary>
    /// Yields the status whenever it changes, polling every <see cref="JobWatchOptions.Interval"/>, and ends after the
    /// terminal status. A call that does not answer within <see cref="JobWatchOptions.PollTimeout"/> — the silo
    /// holding the job grain died and the membership has not caught up, the gateway went away — is abandoned and
    /// retried with backoff, for up to <see cref="JobWatchOptions.OutageTolerance"/>, since the job itself goes on
    /// meanwhile; <see cref="JobWatchOptions.OnContactLost"/> and <see cref="JobWatchOptions.OnContactRestored"/> are
    /// told.
    /// </summary>
    /// <exception cref="ClusterUnreachableException">The cluster did not answer within the outage tolerance.</exception>
    public async IAsyncEnumerable<JobStatus> WatchAsync(string jobId, JobWatchOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new JobWatchOptions();
        var poll = new JobStatusPoll(token => GetStatusAsync(jobId, token), jobId, options);
        JobStatus? last = null;
        while (true)
        {
            var status = await poll.AskAsync(cancellationToken).ConfigureAwait(false);
            if (status != last)
            {
                yield return status;
                last = status;
            }
            if (status.State.IsTerminal())
            {
                yield break;
            }
            await Task.Delay(options.Interval, cancellationToken).ConfigureAwait(false);
        }
    }
}
