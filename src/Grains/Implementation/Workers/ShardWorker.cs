using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Workers;

/// <summary>
/// One device's worker loop. It exists because work is pulled, not pushed: each device leases shards as fast as it
/// finishes them, so faster silos take more and a silo added mid-job joins in by simply starting to ask. Three
/// loops share a bounded queue: leasing (at most <see cref="WorkerOptions.Prefetch"/> ahead), executing (up to
/// <see cref="WorkerOptions.ShardsInFlight"/> shards at once, each handed to this silo's
/// <see cref="IShardInferenceGrain"/> for the device, which computes it on the device's own threads; a shard gives its
/// slot back before its outcome is reported, see <see cref="OutcomeReports"/>) and renewing every held lease, reported
/// ones included. Every grain call is short; none lasts a shard. On shutdown
/// queued and interrupted leases are released so others take them at once.
/// </summary>
public sealed partial class ShardWorker(
    string device, string workerId, IGrainFactory grains, WorkerOptions options, WorkerMetrics metrics, TimeProvider time, ILogger<ShardWorker> logger)
    : BackgroundService
{
    /// <summary>The pause after a poll that failed, before asking again.</summary>
    private static readonly TimeSpan FailedPollDelay = TimeSpan.FromSeconds(1);

    /// <summary>Polls that may fail in a row (the silo is busy or stopping) before the run is given up on.</summary>
    private const int PollFailuresAllowed = 10;
    private readonly ConcurrentDictionary<Guid, HeldLease> _held = new();
    private readonly OutcomeReports _reports = new(workerId, time, logger);
    private WorkAssignment? _assignment;
    private int _leasedFromAssignment;
    private int _jobCursor;

    public string Device => device;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = Channel.CreateBounded<HeldLease>(new BoundedChannelOptions(options.Prefetch)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stopRenewing = new CancellationTokenSource();
        var renewing = RenewLoopAsync(stopRenewing.Token);
        try
        {
            await Task.WhenAll(LeaseLoopAsync(queue.Writer, stoppingToken), ExecuteLoopAsync(queue.Reader, stoppingToken)).ConfigureAwait(false);
        }
        finally
        {
            await stopRenewing.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            await ReleaseHeldAsync().ConfigureAwait(false);
        }
    }

    private async Task LeaseLoopAsync(ChannelWriter<HeldLease> queue, CancellationToken stoppingToken)
    {
        try
        {
            while (await queue.WaitToWriteAsync(stoppingToken).ConfigureAwait(false))
            {
                HeldLease? next = null;
                try
                {
                    next = await LeaseNextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogLeaseFailed(logger, e, workerId);
                }
                if (next is null)
                {
                    await Task.Delay(options.IdleDelay, stoppingToken).ConfigureAwait(false);
                    continue;
                }
                _held[next.Lease.LeaseId] = next;
                queue.TryWrite(next); // Room was waited for above, and this loop is the only writer.
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            queue.TryComplete();
        }
    }

    private async Task ExecuteLoopAsync(ChannelReader<HeldLease> queue, CancellationToken stoppingToken)
    {
        // A slot is the device's, taken while a shard runs and given back before its outcome is reported: a report
        // waiting out its partition's failover must not leave the device idle.
        using var slots = new SemaphoreSlim(options.ShardsInFlight, options.ShardsInFlight);
        var running = new List<Task>();
        try
        {
            while (true)
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                if (!await queue.WaitToReadAsync(stoppingToken).ConfigureAwait(false) || !queue.TryRead(out var held))
                {
                    break; // The lease loop ended (shutdown).
                }
                running.RemoveAll(t => t.IsCompleted);
                running.Add(ExecuteThenForgetAsync(held, new DeviceSlot(slots), stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    private async Task ExecuteThenForgetAsync(HeldLease held, DeviceSlot slot, CancellationToken stoppingToken)
    {
        bool released;
        try
        {
            released = await ExecuteAsync(held, slot, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            slot.Free();
        }
        if (!released)
        {
            _held.TryRemove(held.Lease.LeaseId, out _);
            held.Dispose();
        }
    }

    /// <summary>Runs one shard and reports it; returns true when the lease stays held for release at shutdown.</summary>
    private async Task<bool> ExecuteAsync(HeldLease held, DeviceSlot slot, CancellationToken stoppingToken)
    {
        var lease = held.Lease;
        var partition = grains.GetGrain<IShardPartitionGrain>(lease.PartitionKey);
        if (held.Abandoned.IsCancellationRequested)
        {
            await TryAsync(() => partition.ReleaseAsync(lease.Shard, lease.LeaseId)).ConfigureAwait(false);
            return false;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, held.Abandoned);
        var started = Stopwatch.GetTimestamp();
        var outcome = await RunOnDeviceAsync(new ShardWork(lease.JobId, held.Spec, lease.Shard, lease.Attempt), linked.Token).ConfigureAwait(false);
        slot.Free();
        if (outcome.Result is not { } result)
        {
            if (held.Abandoned.IsCancellationRequested)
            {
                metrics.Abandoned(device);
                LogAbandoned(logger, lease.JobId, lease.Shard);
                // Hand it back so the partition's books show it unleased at once (a stale lease id is simply ignored).
                await TryAsync(() => partition.ReleaseAsync(lease.Shard, lease.LeaseId)).ConfigureAwait(false);
                return false;
            }
            if (stoppingToken.IsCancellationRequested)
            {
                return true;
            }
            metrics.Failed(device, Stopwatch.GetElapsedTime(started));
            LogShardFailed(logger, lease.JobId, lease.Shard, lease.Attempt, outcome.Error ?? "cancelled");
            // Lost, the attempt would not count: a shard failing on every worker would be retried for ever.
            await _reports.SendAsync(held, () => partition.FailAsync(lease.Shard, lease.LeaseId, outcome.Error ?? "The shard run was cancelled.")).ConfigureAwait(false);
            return false;
        }
        metrics.Completed(device, result, Stopwatch.GetElapsedTime(started));
        // Lost, the shard is leased again and found committed: wasted time, never a wrong result.
        await _reports.SendAsync(held, () => partition.CompleteAsync(lease.Shard, lease.LeaseId, result)).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Starts the shard on this silo's device and long-polls until it ends: each poll returns as soon as the run ends,
    /// or after <see cref="WorkerOptions.RunPollWait"/>, so a shard costs one poll per that much of its run. Once
    /// <paramref name="cancellationToken"/> fires the run is asked to stop at once (the poll in flight then returns
    /// its cancelled outcome), and still waited for, so a device never runs more shards than the worker allows.
    /// </summary>
    private async Task<ShardRunOutcome> RunOnDeviceAsync(ShardWork work, CancellationToken cancellationToken)
    {
        var inference = grains.GetGrain<IShardInferenceGrain>(device);
        Guid run;
        try
        {
            run = await inference.StartAsync(work).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Not started: this attempt failed, with the reason; the partition decides on a retry.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return ShardRunOutcome.Failed($"Could not start the shard on {device}: {e.GetType().Name}: {e.Message}");
        }
        using var cancelRun = cancellationToken.Register(() => _ = TryAsync(() => inference.CancelAsync(run)));
        var failures = 0;
        while (true)
        {
            try
            {
                if (await inference.PollAsync(run, options.RunPollWait).ConfigureAwait(false) is { } outcome)
                {
                    return outcome;
                }
                failures = 0;
            }
            catch (KeyNotFoundException e)
            {
                return ShardRunOutcome.Failed(e.Message);
            }
#pragma warning disable CA1031 // A failed poll is retried; after too many the run is given up on and its lease expires or is failed.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogReportFailed(logger, e, workerId);
                if (++failures >= PollFailuresAllowed)
                {
                    return ShardRunOutcome.Failed($"Lost track of the shard run on {device}: {e.GetType().Name}: {e.Message}");
                }
                await Task.Delay(FailedPollDelay, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task<HeldLease?> LeaseNextAsync()
    {
        if (_assignment is { } current && _leasedFromAssignment < options.LeasesPerAssignment && !InDoubt(current.Plan.GrainKey))
        {
            var lease = await LeaseFromAsync(current.Plan).ConfigureAwait(false);
            if (lease is not null)
            {
                _leasedFromAssignment++;
                return new HeldLease(lease, current.Spec, time.GetUtcNow());
            }
        }
        _assignment = null;

        var jobs = await grains.GetGrain<IJobRegistryGrain>(0).GetActiveJobsAsync().ConfigureAwait(false);
        for (var i = 0; i < jobs.Count; i++)
        {
            var index = (_jobCursor + i) % jobs.Count;
            var assignment = await grains.GetGrain<IJobGrain>(jobs[index]).RequestWorkAsync().ConfigureAwait(false);
            if (assignment is null || InDoubt(assignment.Plan.GrainKey))
            {
                continue;
            }
            var lease = await LeaseFromAsync(assignment.Plan).ConfigureAwait(false);
            if (lease is null)
            {
                continue;
            }
            _assignment = assignment;
            _leasedFromAssignment = 1;
            _jobCursor = index + 1; // Several active jobs share the workers in turn.
            return new HeldLease(lease, assignment.Spec, time.GetUtcNow());
        }
        return null;
    }

    private async Task<ShardLease?> LeaseFromAsync(PartitionPlan plan)
    {
        try
        {
            return await grains.GetGrain<IShardPartitionGrain>(plan.GrainKey).LeaseAsync(plan, workerId).ConfigureAwait(false);
        }
        catch
        {
            foreach (var held in _held.Values.Where(h => h.Lease.PartitionKey == plan.GrainKey))
            {
                held.Doubt();
            }
            throw;
        }
    }

    /// <summary>
    /// Whether a lease this worker holds from <paramref name="partitionKey"/> is in doubt. Leasing from such a partition
    /// waits until it answers a renewal: its new activation (after its silo died) has forgotten our leases, and would
    /// hand our own running or finished shards back to us if a lease request reached it before the renewals.
    /// </summary>
    private bool InDoubt(string partitionKey) => _held.Values.Any(h => h.InDoubt && h.Lease.PartitionKey == partitionKey);

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.RenewInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await Task.WhenAll(_held.Values.Select(RenewAsync)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RenewAsync(HeldLease held)
    {
        var lease = held.Lease;
        var sentAt = time.GetUtcNow();
        try
        {
            if (await grains.GetGrain<IShardPartitionGrain>(lease.PartitionKey).RenewAsync(lease.Shard, lease.LeaseId, workerId).ConfigureAwait(false))
            {
                held.Renewed(sentAt);
            }
            else
            {
                held.Answered();
                held.Abandon(); // Done elsewhere, re-leased after expiry, or the job was cancelled: stop spending the device on it.
            }
        }
#pragma warning disable CA1031 // A missed renewal is retried next tick; at worst the lease expires and the shard is redone.
        catch (Exception e)
#pragma warning restore CA1031
        {
            held.Doubt();
            LogRenewFailed(logger, e, lease.JobId, lease.Shard);
        }
    }

    private async Task ReleaseHeldAsync()
    {
        var held = _held.Values.ToArray();
        _held.Clear();
        await Task.WhenAll(held.Select(h =>
            TryAsync(() => grains.GetGrain<IShardPartitionGrain>(h.Lease.PartitionKey).ReleaseAsync(h.Lease.Shard, h.Lease.LeaseId)))).ConfigureAwait(false);
        foreach (var h in held)
        {
            h.Dispose();
        }
    }

    private async Task<bool> TryAsync(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // Reporting is best effort: an unreported lease expires and its shard is leased again.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReportFailed(logger, e, workerId);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} could not lease work; retrying")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} shard {Shard} attempt {Attempt} failed: {Reason}")]
    private static partial void LogShardFailed(ILogger logger, string job, int shard, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} shard {Shard} abandoned: its lease is no longer ours")]
    private static partial void LogAbandoned(ILogger logger, string job, int shard);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of job {Job} shard {Shard} failed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string job, int shard);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} could not report to a partition")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string worker);
}
