using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Mae.Cluster.Grains.Partitions;

/// <summary>
/// Leases the shards of one partition and records their outcomes. Leases are soft state, kept in memory only.
/// Outcomes (done, failed, a failed attempt) are gathered for <see cref="CoordinatorOptions.PersistInterval"/> and then
/// written together: one write of this partition's few hundred bytes for however many shards finished meanwhile,
/// followed by one one-way report of cumulative counts to the job. Losing the activation loses at most the outcomes
/// of one interval and the leases, and either only costs repeated shards: a shard's commit record is the truth, and a
/// worker finds a committed shard committed and reports it at once (<c>AlreadyCommitted</c>). An orderly deactivation
/// (a silo stopping) writes the leases too (<see cref="HandedOverLease"/>), so the next activation does not lease out
/// shards that are still running.
/// </summary>
internal sealed partial class ShardPartitionGrain(
    [PersistentState("partition", GrainStorageNames.Jobs)] IPersistentState<ShardPartitionState> state,
    IOptions<CoordinatorOptions> options,
    TimeProvider time,
    ILogger<ShardPartitionGrain> logger) : Grain, IShardPartitionGrain
{
    private const int MaxReasonLength = 1000;
    private readonly TimeSpan _leaseDuration = options.Value.LeaseDuration;
    private readonly TimeSpan _persistInterval = options.Value.PersistInterval;

    /// <summary>Current leases by shard offset: soft state, bounded by the workers.</summary>
    private readonly Dictionary<int, LeaseRecord> _leases = [];

    /// <summary>Where the search for the next pending shard starts, so leasing is O(1) amortised.</summary>
    private int _cursor;

    private int _done;
    private int _failed;

    /// <summary>The version of the last report; time-based so it grows across activations too (see <see cref="NextVersion"/>).</summary>
    private long _version = -1;

    private bool _writeDue;
    private bool _reportDue;
    private IGrainTimer? _flushTimer;
    private bool _flushScheduled;

    private ShardPartitionState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < S.ShardCount; offset++)
        {
            Count(ShardStatusBits.Get(S.Statuses, offset), +1);
        }
        if (S.HandedOver is { } handedOver)
        {
            // Their holders are still working: a full lease from now, as the last activation would have given on renewal.
            var expiresAt = time.GetUtcNow() + _leaseDuration;
            foreach (var lease in handedOver.Where(l => ShardStatusBits.Get(S.Statuses, l.Offset) == ShardStatus.Pending))
            {
                _leases[lease.Offset] = new LeaseRecord { LeaseId = lease.LeaseId, ExpiresAt = expiresAt, WorkerId = lease.WorkerId };
            }
            S.HandedOver = null; // Dropped from storage with the next write.
        }
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_leases.Count > 0 && S.IsInitialized)
        {
            S.HandedOver = [.. _leases.Select(l => new HandedOverLease(l.Key, l.Value.LeaseId, l.Value.WorkerId))];
            _writeDue = true;
        }
        if (_writeDue || _reportDue)
        {
            try
            {
                    // Not the deactivation's token: on a silo's shutdown it may already be cancelled, and this write is what
                // keeps the outcomes gathered since the last one and the leases in flight.
                await FlushAsync(CancellationToken.None);
            }
#pragma warning disable CA1031 // Deactivating anyway: what was not written only costs repeated shards.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFlushFailed(logger, e, this.GetPrimaryKeyString());
            }
        }
    }

    public async Task<ShardLease?> LeaseAsync(PartitionPlan plan, string workerId)
    {
        Initialize(plan);
        var now = time.GetUtcNow();
        ReclaimExpiredLeases(now);
        var offset = S.Cancelled ? -1 : NextPending();
        if (offset < 0)
        {
            // The job evidently thought there was work here, so refresh its view now rather than at the next flush.
            await ReportAsync(plan.JobId);
            return null;
        }

        var attempt = FailedAttempts(offset) + 1;
        var lease = new LeaseRecord { LeaseId = Guid.NewGuid(), ExpiresAt = now + _leaseDuration, WorkerId = workerId };
        _leases[offset] = lease;
        _cursor = (offset + 1) % S.ShardCount;
        Changed(persist: false);
        return new ShardLease(plan.JobId, plan.Partition, S.FirstShard + offset, lease.LeaseId, lease.ExpiresAt, attempt);
    }

    public Task<bool> RenewAsync(int shard, Guid leaseId, string workerId)
    {
        if (!S.IsInitialized || (S.Cancelled && S.AbandonInFlight))
        {
            return Task.FromResult(false);
        }
        var offset = OffsetOf(shard);
        var expiresAt = time.GetUtcNow() + _leaseDuration;
        if (_leases.TryGetValue(offset, out var lease))
        {
            if (lease.LeaseId != leaseId)
            {
                return Task.FromResult(false);
            }
            lease.ExpiresAt = expiresAt;
            return Task.FromResult(true);
        }
        if (ShardStatusBits.Get(S.Statuses, offset) != ShardStatus.Pending)
        {
            return Task.FromResult(false);
        }
        // A lease from before this activation: the shard is still pending and nobody else has it, so let it run on.
        _leases[offset] = new LeaseRecord { LeaseId = leaseId, ExpiresAt = expiresAt, WorkerId = workerId };
        Changed(persist: false);
        return Task.FromResult(true);
    }

    public Task CompleteAsync(int shard, Guid leaseId, ShardResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        EnsureInitialized();
        var offset = OffsetOf(shard);
        if (ShardStatusBits.Get(S.Statuses, offset) == ShardStatus.Done)
        {
            LogDuplicateCompletion(logger, shard);
            return Task.CompletedTask;
        }
        // Accepted whoever holds the lease now: the output is deterministic, so any finished attempt is the result.
        // A current holder's next renewal is refused, which stops its redundant work.
        _leases.Remove(offset);
        S.FailureReasons?.Remove(offset);
        SetStatus(offset, ShardStatus.Done);
        S.Images += result.Images;
        S.FailedImages += result.FailedImages;
        S.InputBytes += result.InputBytes;
        if (result.AlreadyCommitted)
        {
            S.AlreadyCommitted++;
            S.AlreadyCommittedImages += result.Images;
        }
        Changed(persist: true);
        return Task.CompletedTask;
    }

    public Task FailAsync(int shard, Guid leaseId, string reason)
    {
        EnsureInitialized();
        var offset = OffsetOf(shard);
        if (!_leases.TryGetValue(offset, out var lease) || lease.LeaseId != leaseId)
        {
            return Task.CompletedTask; // A stale attempt: the shard has moved on (re-leased, done or failed) without it.
        }
        _leases.Remove(offset);
        GiveUpOrRetry(offset, reason);
        Changed(persist: true);
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(int shard, Guid leaseId)
    {
        EnsureInitialized();
        var offset = OffsetOf(shard);
        if (_leases.TryGetValue(offset, out var lease) && lease.LeaseId == leaseId)
        {
            _leases.Remove(offset); // The attempt does not count: nothing to persist.
            Changed(persist: false);
        }
        return Task.CompletedTask;
    }

    public Task<PartitionSummary> GetSummaryAsync(PartitionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Task.FromResult(S.IsInitialized ? Summary(plan.Partition, NextVersion()) : PartitionSummary.Untouched(plan.Partition, plan.ShardCount));
    }

    public async Task CancelAsync(PartitionPlan plan, bool abandonInFlight)
    {
        Initialize(plan);
        if (S.Cancelled && S.AbandonInFlight == abandonInFlight)
        {
            return;
        }
        S.Cancelled = true;
        S.AbandonInFlight |= abandonInFlight;
        // At once, not at the next flush: a cancel must hold even if this activation is lost right after.
        _writeDue = true;
        await FlushAsync(CancellationToken.None);
    }

    public Task<IReadOnlyList<ShardRecord>> GetShardsAsync()
    {
        IReadOnlyList<ShardRecord> shards = S.IsInitialized
            ? Enumerable.Range(0, S.ShardCount).Select(offset => new ShardRecord(
                S.FirstShard + offset,
                (ShardState)StatusOf(offset),
                Attempts(offset),
                _leases.TryGetValue(offset, out var lease) ? lease.WorkerId : null)).ToArray()
            : [];
        return Task.FromResult(shards);
    }

    public Task<IReadOnlyList<ShardRecord>> GetLeasedShardsAsync()
    {
        IReadOnlyList<ShardRecord> leased = _leases
            .OrderBy(l => l.Key)
            .Select(l => new ShardRecord(S.FirstShard + l.Key, ShardState.Leased, Attempts(l.Key), l.Value.WorkerId))
            .ToArray();
        return Task.FromResult(leased);
    }

    public Task<IReadOnlyList<ShardFailure>> GetFailuresAsync()
    {
        IReadOnlyList<ShardFailure> failures = (S.FailureReasons ?? [])
            .OrderBy(f => f.Key)
            .Select(f => new ShardFailure(S.FirstShard + f.Key, Attempts(f.Key), f.Value))
            .ToArray();
        return Task.FromResult(failures);
    }

    private string JobId => PartitionKeys.JobOf(this.GetPrimaryKeyString());

    private int PartitionIndex => int.Parse(this.GetPrimaryKeyString().AsSpan(JobId.Length + 1), System.Globalization.CultureInfo.InvariantCulture);

    private void Initialize(PartitionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.GrainKey != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"Plan for partition {plan.GrainKey} sent to partition {this.GetPrimaryKeyString()}.", nameof(plan));
        }
        if (!S.IsInitialized)
        {
            if (plan.ShardCount < 1)
            {
                throw new ArgumentException($"Partition {plan.GrainKey} must hold at least one shard (plan says {plan.ShardCount}).", nameof(plan));
            }
            S.FirstShard = plan.FirstShard;
            S.ShardCount = plan.ShardCount;
            S.MaxAttempts = Math.Max(1, plan.MaxAttempts);
            S.Statuses = ShardStatusBits.Create(plan.ShardCount);
            // Written with the first flush, so a later activation knows its shards and can take back leases it lost.
            Changed(persist: true);
        }
    }

    private void EnsureInitialized()
    {
        if (!S.IsInitialized)
        {
            throw new InvalidOperationException($"Partition {this.GetPrimaryKeyString()} has no shards leased yet; a lease must come first.");
        }
    }

    private int OffsetOf(int shard)
    {
        var offset = shard - S.FirstShard;
        if (offset < 0 || offset >= S.ShardCount)
        {
            throw new ArgumentOutOfRangeException(nameof(shard), shard,
                $"Shard {shard} is not in partition {this.GetPrimaryKeyString()} (shards {S.FirstShard}..{S.FirstShard + S.ShardCount - 1}).");
        }
        return offset;
    }

    private ShardStatus StatusOf(int offset) => _leases.ContainsKey(offset) ? ShardStatus.Leased : ShardStatusBits.Get(S.Statuses, offset);

    private int FailedAttempts(int offset) => S.FailedAttempts?.GetValueOrDefault(offset) ?? 0;

    /// <summary>Attempts so far: the failed ones, plus the one running or the one that succeeded.</summary>
    private int Attempts(int offset) => FailedAttempts(offset) + (StatusOf(offset) is ShardStatus.Leased or ShardStatus.Done ? 1 : 0);

    private void SetStatus(int offset, ShardStatus status)
    {
        Count(ShardStatusBits.Get(S.Statuses, offset), -1);
        ShardStatusBits.Set(S.Statuses, offset, status);
        Count(status, +1);
    }

    private void Count(ShardStatus status, int sign)
    {
        if (status == ShardStatus.Done)
        {
            _done += sign;
        }
        else if (status == ShardStatus.Failed)
        {
            _failed += sign;
        }
    }

    /// <summary>Expired leases (their worker died or stalled) count as a failed attempt and make the shard leasable again.</summary>
    private void ReclaimExpiredLeases(DateTimeOffset now)
    {
        List<int>? expired = null;
        foreach (var (offset, lease) in _leases)
        {
            if (lease.ExpiresAt <= now)
            {
                (expired ??= []).Add(offset);
            }
        }
        if (expired is null)
        {
            return;
        }
        foreach (var offset in expired)
        {
            var worker = _leases[offset].WorkerId;
            _leases.Remove(offset);
            LogLeaseExpired(logger, S.FirstShard + offset, worker);
            GiveUpOrRetry(offset, $"Lease expired: worker {worker} stopped renewing (its silo may have died).");
        }
        Changed(persist: true);
    }

    private void GiveUpOrRetry(int offset, string reason)
    {
        var attempts = FailedAttempts(offset) + 1;
        (S.FailedAttempts ??= [])[offset] = attempts;
        if (attempts >= S.MaxAttempts)
        {
            SetStatus(offset, ShardStatus.Failed);
            (S.FailureReasons ??= [])[offset] = reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason;
        }
    }

    private int NextPending()
    {
        var count = S.ShardCount;
        for (var i = 0; i < count; i++)
        {
            var offset = (_cursor + i) % count;
            if (ShardStatusBits.Get(S.Statuses, offset) == ShardStatus.Pending && !_leases.ContainsKey(offset))
            {
                return offset;
            }
        }
        return -1;
    }

    /// <summary>Records that something changed and makes sure one flush (a write if needed, then a report) follows within the interval.</summary>
    private void Changed(bool persist)
    {
        _writeDue |= persist;
        _reportDue = true;
        if (_flushScheduled)
        {
            return;
        }
        _flushScheduled = true;
        if (_flushTimer is null)
        {
            _flushTimer = this.RegisterGrainTimer(OnFlushTimerAsync, new GrainTimerCreationOptions(_persistInterval, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _flushTimer.Change(_persistInterval, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task OnFlushTimerAsync(CancellationToken cancellationToken)
    {
        _flushScheduled = false;
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            // Storage refused or is unreachable: keep the outcomes and try again at the next interval.
            LogFlushFailed(logger, e, this.GetPrimaryKeyString());
            Changed(persist: true);
        }
    }

    /// <summary>Writes the state if an outcome is unwritten, then reports to the job if anything changed since the last report.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_writeDue)
        {
            try
            {
                await state.WriteStateAsync(cancellationToken);
            }
            catch (InconsistentStateException)
            {
                // Another activation wrote this partition: its state wins; reload rather than build on ours.
                DeactivateOnIdle();
                throw;
            }
            _writeDue = false;
        }
        if (_reportDue)
        {
            await ReportAsync(JobId);
        }
    }

    private Task ReportAsync(string jobId)
    {
        _reportDue = false;
        return GrainFactory.GetGrain<IJobGrain>(jobId).ReportPartitionAsync(Summary(PartitionIndex, NextVersion()));
    }

    /// <summary>
    /// Report versions are clock ticks (bumped when the clock has not moved), so a later activation — on another
    /// silo, after the earlier one's silo was declared dead seconds ago — reports above anything the earlier one sent,
    /// without a write to remember a counter.
    /// </summary>
    private long NextVersion() => _version = Math.Max(_version + 1, time.GetUtcNow().UtcTicks);

    private PartitionSummary Summary(int partition, long version)
    {
        var leased = _leases.Count;
        return new PartitionSummary
        {
            Partition = partition,
            Version = version,
            Shards = S.ShardCount,
            Pending = S.ShardCount - _done - _failed - leased,
            Leased = leased,
            Done = _done,
            Failed = _failed,
            Images = S.Images,
            FailedImages = S.FailedImages,
            InputBytes = S.InputBytes,
            AlreadyCommitted = S.AlreadyCommitted,
            AlreadyCommittedImages = S.AlreadyCommittedImages,
            EarliestLeaseExpiry = leased == 0 ? null : _leases.Values.Min(l => l.ExpiresAt),
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease of shard {Shard} expired (worker {Worker}); the shard can be leased again")]
    private static partial void LogLeaseExpired(ILogger logger, int shard, string worker);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {Shard} completed again; counted once")]
    private static partial void LogDuplicateCompletion(ILogger logger, int shard);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: writing its state failed; retrying at the next interval")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, string partition);
}
