using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Partitions;

/// <summary>
/// Leases the shards of one partition and records their outcomes. Every change is one write of this partition's
/// small state plus one one-way report of cumulative counts to the job: O(1) in the job's size. Renewals only move
/// an expiry in memory — losing one to a crash merely lets a lease expire early, which costs a repeated shard, not
/// a wrong result (outputs are deterministic and a shard counts once).
/// </summary>
internal sealed partial class ShardPartitionGrain(
    [PersistentState("partition", GrainStorageNames.Jobs)] IPersistentState<ShardPartitionState> state,
    IOptions<CoordinatorOptions> options,
    TimeProvider time,
    ILogger<ShardPartitionGrain> logger) : Grain, IShardPartitionGrain
{
    private const int MaxReasonLength = 1000;
    private readonly TimeSpan _leaseDuration = options.Value.LeaseDuration;

    private ShardPartitionState S => state.State;

    public async Task<ShardLease?> LeaseAsync(PartitionPlan plan, string workerId)
    {
        Initialize(plan);
        var now = time.GetUtcNow();
        var changed = ReclaimExpiredLeases(now);
        var offset = S.Cancelled ? -1 : NextPending();
        if (offset < 0)
        {
            if (changed)
            {
                await PersistAsync();
            }
            // Also when nothing changed: the job evidently thought there was work here, so refresh its view.
            await ReportAsync(plan.JobId);
            return null;
        }

        var attempt = ShardSlot.Attempts(S.Slots[offset]) + 1;
        var leaseId = Guid.NewGuid();
        var expiresAt = now + _leaseDuration;
        S.Slots[offset] = ShardSlot.Make(ShardStatus.Leased, attempt);
        S.Leases[offset] = new LeaseRecord { LeaseId = leaseId, ExpiresAt = expiresAt, WorkerId = workerId };
        S.Cursor = (offset + 1) % S.Slots.Length;
        await PersistAsync();
        await ReportAsync(plan.JobId);
        return new ShardLease(plan.JobId, plan.Partition, S.FirstShard + offset, leaseId, expiresAt, attempt);
    }

    public Task<bool> RenewAsync(int shard, Guid leaseId)
    {
        if (!S.IsInitialized || (S.Cancelled && S.AbandonInFlight) || !S.Leases.TryGetValue(OffsetOf(shard), out var lease) || lease.LeaseId != leaseId)
        {
            return Task.FromResult(false);
        }
        lease.ExpiresAt = time.GetUtcNow() + _leaseDuration;
        return Task.FromResult(true);
    }

    public async Task CompleteAsync(int shard, Guid leaseId, ShardResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        EnsureInitialized();
        var offset = OffsetOf(shard);
        var slot = S.Slots[offset];
        if (ShardSlot.Status(slot) == ShardStatus.Done)
        {
            LogDuplicateCompletion(logger, shard);
            return;
        }
        // Accepted whoever holds the lease now: the output is deterministic, so any finished attempt is the result.
        // A current holder's next renewal is refused, which stops its redundant work.
        S.Leases.Remove(offset);
        S.FailureReasons.Remove(offset);
        S.Slots[offset] = ShardSlot.Make(ShardStatus.Done, ShardSlot.Attempts(slot));
        S.Images += result.Images;
        S.FailedImages += result.FailedImages;
        S.InputBytes += result.InputBytes;
        if (result.AlreadyCommitted)
        {
            S.AlreadyCommitted++;
            S.AlreadyCommittedImages += result.Images;
        }
        await PersistAsync();
        await ReportAsync(JobId);
    }

    public async Task FailAsync(int shard, Guid leaseId, string reason)
    {
        EnsureInitialized();
        var offset = OffsetOf(shard);
        if (!S.Leases.TryGetValue(offset, out var lease) || lease.LeaseId != leaseId)
        {
            return; // A stale attempt: the shard has moved on (re-leased, done or failed) without it.
        }
        S.Leases.Remove(offset);
        GiveUpOrRetry(offset, reason);
        await PersistAsync();
        await ReportAsync(JobId);
    }

    public async Task ReleaseAsync(int shard, Guid leaseId)
    {
        EnsureInitialized();
        var offset = OffsetOf(shard);
        if (!S.Leases.TryGetValue(offset, out var lease) || lease.LeaseId != leaseId)
        {
            return;
        }
        S.Leases.Remove(offset);
        var attempts = ShardSlot.Attempts(S.Slots[offset]);
        S.Slots[offset] = ShardSlot.Make(ShardStatus.Pending, Math.Max(0, attempts - 1));
        await PersistAsync();
        await ReportAsync(JobId);
    }

    public Task<PartitionSummary> GetSummaryAsync(PartitionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Task.FromResult(S.IsInitialized ? Summary(plan.Partition) : PartitionSummary.Untouched(plan.Partition, plan.ShardCount));
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
        await PersistAsync();
    }

    public Task<IReadOnlyList<ShardRecord>> GetShardsAsync()
    {
        IReadOnlyList<ShardRecord> shards = S.IsInitialized
            ? S.Slots.Select((slot, offset) => new ShardRecord(
                S.FirstShard + offset,
                (ShardState)ShardSlot.Status(slot),
                ShardSlot.Attempts(slot),
                S.Leases.TryGetValue(offset, out var lease) ? lease.WorkerId : null)).ToArray()
            : [];
        return Task.FromResult(shards);
    }

    public Task<IReadOnlyList<ShardFailure>> GetFailuresAsync()
    {
        IReadOnlyList<ShardFailure> failures = S.FailureReasons
            .OrderBy(f => f.Key)
            .Select(f => new ShardFailure(S.FirstShard + f.Key, ShardSlot.Attempts(S.Slots[f.Key]), f.Value))
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
            S.MaxAttempts = Math.Clamp(plan.MaxAttempts, 1, ShardSlot.MaxAttempts);
            S.Slots = new byte[plan.ShardCount];
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
        if (offset < 0 || offset >= S.Slots.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(shard), shard,
                $"Shard {shard} is not in partition {this.GetPrimaryKeyString()} (shards {S.FirstShard}..{S.FirstShard + S.Slots.Length - 1}).");
        }
        return offset;
    }

    /// <summary>Expired leases (their worker died or stalled) count as a failed attempt and make the shard leasable again.</summary>
    private bool ReclaimExpiredLeases(DateTimeOffset now)
    {
        List<int>? expired = null;
        foreach (var (offset, lease) in S.Leases)
        {
            if (lease.ExpiresAt <= now)
            {
                (expired ??= []).Add(offset);
            }
        }
        if (expired is null)
        {
            return false;
        }
        foreach (var offset in expired)
        {
            var worker = S.Leases[offset].WorkerId;
            S.Leases.Remove(offset);
            LogLeaseExpired(logger, S.FirstShard + offset, worker);
            GiveUpOrRetry(offset, $"Lease expired: worker {worker} stopped renewing (its silo may have died).");
        }
        return true;
    }

    private void GiveUpOrRetry(int offset, string reason)
    {
        var attempts = ShardSlot.Attempts(S.Slots[offset]);
        if (attempts >= S.MaxAttempts)
        {
            S.Slots[offset] = ShardSlot.Make(ShardStatus.Failed, attempts);
            S.FailureReasons[offset] = reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason;
        }
        else
        {
            S.Slots[offset] = ShardSlot.Make(ShardStatus.Pending, attempts);
        }
    }

    private int NextPending()
    {
        var count = S.Slots.Length;
        for (var i = 0; i < count; i++)
        {
            var offset = (S.Cursor + i) % count;
            if (ShardSlot.Status(S.Slots[offset]) == ShardStatus.Pending)
            {
                return offset;
            }
        }
        return -1;
    }

    private PartitionSummary Summary(int partition)
    {
        int pending = 0, leased = 0, done = 0, failed = 0;
        foreach (var slot in S.Slots)
        {
            switch (ShardSlot.Status(slot))
            {
                case ShardStatus.Pending: pending++; break;
                case ShardStatus.Leased: leased++; break;
                case ShardStatus.Done: done++; break;
                default: failed++; break;
            }
        }
        return new PartitionSummary
        {
            Partition = partition,
            Version = S.Version,
            Shards = S.Slots.Length,
            Pending = pending,
            Leased = leased,
            Done = done,
            Failed = failed,
            Images = S.Images,
            FailedImages = S.FailedImages,
            InputBytes = S.InputBytes,
            AlreadyCommitted = S.AlreadyCommitted,
            AlreadyCommittedImages = S.AlreadyCommittedImages,
            EarliestLeaseExpiry = S.Leases.Count == 0 ? null : S.Leases.Values.Min(l => l.ExpiresAt),
        };
    }

    private async Task PersistAsync()
    {
        S.Version++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The in-memory state is now ahead of storage; reload it on the next call rather than build on it.
            DeactivateOnIdle();
            throw;
        }
    }

    private Task ReportAsync(string jobId) => GrainFactory.GetGrain<IJobGrain>(jobId).ReportPartitionAsync(Summary(PartitionIndex));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease of shard {Shard} expired (worker {Worker}); the shard can be leased again")]
    private static partial void LogLeaseExpired(ILogger logger, int shard, string worker);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {Shard} completed again; counted once")]
    private static partial void LogDuplicateCompletion(ILogger logger, int shard);
}
