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
    public Task<JobStatus> GetStatusAsync(string jobId) => client.GetGrain<IJobGrain>(jobId).GetStatusAsync();

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
        return await Task.WhenAll(ids.Select(GetStatusAsync)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Follows the job (as <see cref="WatchAsync"/> does) and returns its terminal status.</summary>
    public async Task<JobStatus> WaitForEndAsync(string jobId, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        JobStatus? last = null;
        await foreach (var status in WatchAsync(jobId, interval, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            last = status;
        }
        return last ?? throw new InvalidOperationException($"Watching job {jobId} ended without a status.");
    }

    /// <summary>
    /// Yields the status whenever it changes, polling every <paramref name="interval"/>, and ends after the terminal
    /// status. While the cluster does not answer — a silo holding the job died and the membership has not caught up,
    /// the gateway moved — it keeps asking for up to <paramref name="outageTolerance"/> (default five minutes),
    /// telling <paramref name="onOutage"/> of each failed poll, since the job itself goes on meanwhile.
    /// </summary>
    public async IAsyncEnumerable<JobStatus> WatchAsync(string jobId, TimeSpan? interval = null, TimeSpan? outageTolerance = null,
        Action<Exception>? onOutage = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        JobStatus? last = null;
        DateTimeOffset? outageSince = null;
        var tolerance = outageTolerance ?? TimeSpan.FromMinutes(5);
        while (true)
        {
            JobStatus status;
            try
            {
                status = await GetStatusAsync(jobId).WaitAsync(cancellationToken).ConfigureAwait(false);
                outageSince = null;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                outageSince ??= DateTimeOffset.UtcNow;
                if (DateTimeOffset.UtcNow - outageSince > tolerance)
                {
                    throw;
                }
                onOutage?.Invoke(e);
                await Task.Delay(interval ?? TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (status != last)
            {
                yield return status;
                last = status;
            }
            if (status.State.IsTerminal())
            {
                yield break;
            }
            await Task.Delay(interval ?? TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }
}
