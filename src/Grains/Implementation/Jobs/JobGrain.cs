using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// Coordinates one job. Persists its spec, state, shape, each partition's phase and the totals of the finished
/// partitions (written on state changes and when a partition starts or finishes, never per shard); keeps the latest
/// summary of each partition in memory and sums them incrementally. A reactivated job reads its own state and asks
/// only the partitions in progress. Hands workers the lowest few partitions with work in turn, so only a few
/// partitions are in progress at once and each gathers many outcomes per write; the partitions hand out the shards.
/// </summary>
internal sealed partial class JobGrain(
    [PersistentState("job", GrainStorageNames.Jobs)] IPersistentState<JobGrainState> state,
    IJobInputCatalog catalog,
    IJobOutputCommitter outputCommitter,
    IOptions<CoordinatorOptions> options,
    TimeProvider time,
    ILogger<JobGrain> logger) : Grain, IJobGrain, IJobEnumerationSink
{
    private const int MaxJobIdLength = 200;
    private const int RebuildParallelism = 32;

    /// <summary>Partitions handed out in turn: enough that workers do not queue on one grain, few enough that each gathers outcomes.</summary>
    private const int OpenPartitions = 4;

    private PartitionSummary[]? _summaries;
    private JobTotals _totals = new();

    private uint _turn;
    private (DateTimeOffset At, long Images, int Finished)? _rateStart;

    private JobGrainState S => state.State;

    private string JobId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.State == JobState.Pending && S.Spec is not null)
        {
            StartEnumeration(); // The silo that enumerated before died; enumeration is idempotent, so start over.
        }
        else if (S.State == JobState.Running)
        {
            await RebuildSummariesAsync(cancellationToken);
        }
    }

    public async Task<JobStatus> SubmitAsync(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (S.Spec is not null)
        {
            if (S.Spec != spec)
            {
                throw new ArgumentException($"Job '{JobId}' already exists with a different spec (input {S.Spec.Input}, output {S.Spec.Output}); " +
                    "submit the same spec to resume it or choose another job id.", nameof(spec));
            }
            return Status();
        }
        var problems = new List<string>(spec.Problems());
        if (JobId.Length is 0 or > MaxJobIdLength || JobId.Contains('/', StringComparison.Ordinal))
        {
            problems.Add($"Job id '{JobId}' must be 1 to {MaxJobIdLength} characters without '/'.");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Job '{JobId}' refused: {string.Join(" ", problems)}", nameof(spec));
        }

        S.Spec = spec;
        S.State = JobState.Pending;
        S.SubmittedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).RegisterAsync(JobId);
        LogSubmitted(logger, JobId, spec.Input, spec.Output);
        StartEnumeration();
        return Status();
    }

    public Task<JobStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        // A caller that gave up waiting has no use for the answer.
        cancellationToken.ThrowIfCancellationRequested();
        return S.Spec is null ? throw new KeyNotFoundException($"No job with id '{JobId}' was submitted.") : Task.FromResult(Status());
    }

    public async Task<JobStatus> CancelAsync(bool abandonInFlight)
    {
        if (S.Spec is null)
        {
            throw new KeyNotFoundException($"No job with id '{JobId}' was submitted.");
        }
        if (!S.State.IsTerminal())
        {
            await FinishAsync(JobState.Cancelled, abandonInFlight ? "Cancelled; in-flight shards abandoned." : "Cancelled; in-flight shards allowed to finish.",
                abandonInFlight);
        }
        return Status();
    }

    public async Task<WorkAssignment?> RequestWorkAsync()
    {
        if (S.State != JobState.Running || _summaries is null)
        {
            return null;
        }
        var p = NextPartitionWithWork(time.GetUtcNow());
        if (p < 0)
        {
            return null;
        }
        if (PhaseOf(p) == PartitionPhase.Untouched)
        {
            // Remembered before any worker leases from it, so a cancel after this grain's reactivation reaches it too.
            SetPhase(p, PartitionPhase.InProgress);
            await state.WriteStateAsync();
        }
        return new WorkAssignment(Plan(p), S.Spec!);
    }

    public async Task ReportPartitionAsync(PartitionSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (_summaries is null || summary.Partition < 0 || summary.Partition >= _summaries.Length)
        {
            return;
        }
        var previous = _summaries[summary.Partition];
        if (summary.Version <= previous.Version)
        {
            return; // Reports are cumulative: an older or repeated one adds nothing.
        }
        _totals.Add(previous, -1);
        _totals.Add(summary, +1);
        _summaries[summary.Partition] = summary;
        _rateStart ??= (time.GetUtcNow(), _totals.Images - _totals.AlreadyCommittedImages - (summary.Images - summary.AlreadyCommittedImages),
            _totals.Finished - summary.Done - summary.Failed);
        var phaseChanged = RecordPhase(previous, summary);

        if (S.State != JobState.Running)
        {
            return;
        }
        if (OverBudget() is { } reason)
        {
            await FinishAsync(JobState.Failed, reason, abandonInFlight: true);
        }
        else if (_totals.Finished == S.ShardCount)
        {
            await FinishAsync(JobState.Completed, null, abandonInFlight: false);
        }
        else if (phaseChanged)
        {
            await state.WriteStateAsync();
        }
    }

    /// <summary>
    /// Moves a partition's phase on and keeps the finished partitions' totals; true when that changed what is persisted.
    /// A finished partition stays finished, but its counts can still change (a late completion of a shard given up on).
    /// </summary>
    private bool RecordPhase(PartitionSummary previous, PartitionSummary summary)
    {
        var p = summary.Partition;
        var phase = PhaseOf(p);
        if (!summary.IsFinished)
        {
            if (phase != PartitionPhase.Untouched)
            {
                return false;
            }
            SetPhase(p, PartitionPhase.InProgress); // A worker leasing on an assignment from before this activation.
            return true;
        }
        var wasFinished = PartitionProgress.IsFinished(phase);
        if (wasFinished && previous.Done == summary.Done && previous.Failed == summary.Failed)
        {
            return false;
        }
        if (wasFinished)
        {
            S.FinishedPartitionTotals.Add(previous, -1);
        }
        S.FinishedPartitionTotals.Add(summary, +1);
        SetPhase(p, summary.Failed > 0 ? PartitionPhase.FinishedWithFailures : PartitionPhase.Finished);
        return true;
    }

    public async Task<IReadOnlyList<ShardFailure>> GetFailedShardsAsync(int maxCount)
    {
        var failures = new List<ShardFailure>();
        if (_summaries is null)
        {
            return failures;
        }
        for (var p = 0; p < _summaries.Length && failures.Count < maxCount; p++)
        {
            if (_summaries[p].Failed > 0 || PhaseOf(p) == PartitionPhase.FinishedWithFailures)
            {
                var partition = await GrainFactory.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(JobId, p)).GetFailuresAsync();
                failures.AddRange(partition.Take(maxCount - failures.Count));
            }
        }
        return failures;
    }

    public async Task<IReadOnlyList<ShardRecord>> GetShardsInFlightAsync(int maxCount)
    {
        // Work is leased only from partitions in progress; the others have nothing in flight to ask about.
        var inProgress = S.Progress?.Above.Where(a => a.Value == PartitionPhase.InProgress).Select(a => a.Key).Order().ToArray() ?? [];
        var leased = await Task.WhenAll(inProgress.Select(p => GrainFactory.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(JobId, p)).GetLeasedShardsAsync()));
        return leased.SelectMany(l => l).Take(Math.Max(0, maxCount)).ToArray();
    }

    public async Task OnEnumeratedAsync(int shardCount)
    {
        if (S.State != JobState.Pending)
        {
            return; // Cancelled while enumerating, or a repeated enumeration after a restart.
        }
        if (shardCount == 0)
        {
            await FinishAsync(JobState.Failed, $"No images or .tar shards found under {S.Spec!.Input}.", abandonInFlight: false);
            return;
        }
        var partitionSize = options.Value.PartitionSize;
        S.ShardCount = shardCount;
        S.PartitionSize = partitionSize;
        S.PartitionCount = (int)((shardCount + (long)partitionSize - 1) / partitionSize);
        S.State = JobState.Running;
        S.StartedAt = time.GetUtcNow();
        S.Progress = new PartitionProgress();
        await state.WriteStateAsync();
        InitializeSummaries();
        LogRunning(logger, JobId, shardCount, S.PartitionCount);
    }

    public async Task OnEnumerationFailedAsync(string reason)
    {
        if (S.State == JobState.Pending)
        {
            await FinishAsync(JobState.Failed, reason, abandonInFlight: false);
        }
    }

    private void StartEnumeration() =>
        BackgroundEnumeration.Start(catalog, GrainFactory.GetGrain<IJobEnumerationSink>(JobId), JobId, S.Spec!, logger);

    private async Task FinishAsync(JobState final, string? reason, bool abandonInFlight)
    {
        if (final == JobState.Completed && _totals.Images == 0)
        {
            // Every shard ran and nothing was embedded: an output without a single embedding is no result.
            final = JobState.Failed;
            reason = NothingEmbeddedReason();
            try
            {
                await outputCommitter.MarkFailedAsync(JobId, S.Spec!, _totals.Images, _totals.FailedImages, reason, CancellationToken.None);
            }
#pragma warning disable CA1031 // The job fails either way; the reason says the output could not record it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                reason += $" Recording this in {S.Spec!.Output} failed too: {e.Message}";
            }
        }
        if (final == JobState.Completed)
        {
            // Before the state says completed, so whoever sees "completed" finds _SUCCESS. An output missing failed
            // shards is not whole: job.json says so and there is no _SUCCESS.
            try
            {
                await outputCommitter.MarkCompletedAsync(JobId, S.Spec!, _totals.Images, _totals.FailedImages, _totals.Failed, CancellationToken.None);
                if (_totals.Failed > 0)
                {
                    reason = await FailedShardsReasonAsync();
                }
            }
#pragma warning disable CA1031 // Any failure to record completion fails the job with its reason; nothing above could handle it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                final = JobState.Failed;
                reason = $"Every shard is done, but marking {S.Spec!.Output} completed failed: {e.Message}";
            }
        }
        var wasRunning = S.State == JobState.Running;
        S.State = final;
        S.Reason = reason;
        S.FinishedAt = time.GetUtcNow();
        S.FinalTotals = _totals.Copy();
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).RegisterAsync(JobId);
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).MarkFinishedAsync(JobId);
        LogFinished(logger, JobId, final, reason ?? "");
        if (wasRunning && final != JobState.Completed && _summaries is not null)
        {
            // Workers may hold a partition from an earlier assignment and lease from it directly: tell the partitions
            // they may have handed shards out. Untouched ones have no worker to stop, finished ones nothing to hand out.
            var cancels = S.Progress!.Above.Where(a => a.Value == PartitionPhase.InProgress).Select(a => a.Key)
                .Select(p => GrainFactory.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(JobId, p)).CancelAsync(Plan(p), abandonInFlight));
            await Task.WhenAll(cancels);
        }
    }

    private async Task<string> FailedShardsReasonAsync()
    {
        var failures = await GetFailedShardsAsync(1);
        var first = failures.Count > 0 ? failures[0] : null;
        var example = first is null ? "" : string.Create(CultureInfo.InvariantCulture, $" First: shard {first.Shard} after {first.Attempts} attempts: {first.Reason}");
        return string.Create(CultureInfo.InvariantCulture,
            $"Completed without {_totals.Failed} failed shard(s); their images are missing and the output has no _SUCCESS.{example}");
    }

    private string NothingEmbeddedReason() => _totals.Failed > 0
        ? string.Create(CultureInfo.InvariantCulture,
            $"No image was embedded: {_totals.Failed} of {S.ShardCount} shards failed after every attempt and the others' {_totals.FailedImages} images all failed; see {S.Spec!.Output}/failures/.")
        : string.Create(CultureInfo.InvariantCulture,
            $"No image was embedded: all {_totals.FailedImages} images failed (their errors are in {S.Spec!.Output}/failures/).");

    private string? OverBudget()
    {
        var spec = S.Spec!;
        if (_totals.Failed > spec.MaxFailedShards)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Error budget exceeded: {_totals.Failed} shards failed, at most {spec.MaxFailedShards} allowed.");
        }
        if (_totals.FailedImages > spec.MaxFailedImages)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Error budget exceeded: {_totals.FailedImages} images failed, at most {spec.MaxFailedImages} allowed.");
        }
        return null;
    }

    private PartitionPlan Plan(int partition)
    {
        var first = partition * S.PartitionSize;
        return new PartitionPlan(JobId, partition, first, Math.Min(S.PartitionSize, S.ShardCount - first), S.Spec!.MaxShardAttempts);
    }

    private void InitializeSummaries()
    {
        _summaries = new PartitionSummary[S.PartitionCount];
        for (var p = 0; p < _summaries.Length; p++)
        {
            _summaries[p] = PartitionSummary.Untouched(p, Plan(p).ShardCount);
        }
    }

    /// <summary>
    /// After a restart the in-memory summaries are gone. Finished partitions count as persisted (their summaries are
    /// frozen: nothing they report later is applied), untouched ones have nothing to say, and the few in progress are
    /// asked. A job persisted before phases existed asks every partition.
    /// </summary>
    private async Task RebuildSummariesAsync(CancellationToken cancellationToken)
    {
        InitializeSummaries();
        if (S.Progress is null)
        {
            S.Progress = new PartitionProgress();
            for (var p = 0; p < S.PartitionCount; p++)
            {
                S.Progress.Set(p, PartitionPhase.InProgress);
            }
        }
        _totals = S.FinishedPartitionTotals.Copy();
        for (var p = 0; p < S.Progress.FinishedBelow; p++)
        {
            _summaries![p] = Frozen(p);
        }
        var inProgress = new List<int>();
        foreach (var (p, phase) in S.Progress.Above)
        {
            if (phase == PartitionPhase.InProgress)
            {
                inProgress.Add(p);
            }
            else if (PartitionProgress.IsFinished(phase))
            {
                _summaries![p] = Frozen(p);
            }
        }
        await Parallel.ForEachAsync(inProgress,
            new ParallelOptions { MaxDegreeOfParallelism = RebuildParallelism, CancellationToken = cancellationToken, TaskScheduler = TaskScheduler.Current },
            async (p, _) =>
            {
                var summary = await GrainFactory.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(JobId, p)).GetSummaryAsync(Plan(p));
                _summaries![p] = summary;
            });
        foreach (var p in inProgress)
        {
            _totals.Add(_summaries![p], +1);
        }
        if (_totals.Finished == S.ShardCount)
        {
            await FinishAsync(JobState.Completed, null, abandonInFlight: false);
        }
    }

    /// <summary>
    /// The lowest partitions with leasable shards, up to <see cref="OpenPartitions"/> of them, taken in turn; −1 when
    /// none has any right now. Finished partitions below the frontier are never looked at again.
    /// </summary>
    private int NextPartitionWithWork(DateTimeOffset now)
    {
        var summaries = _summaries!;
        Span<int> open = stackalloc int[OpenPartitions];
        var count = 0;
        for (var p = S.Progress!.FinishedBelow; p < summaries.Length && count < OpenPartitions; p++)
        {
            var s = summaries[p];
            if (PhaseOf(p) is PartitionPhase.Untouched or PartitionPhase.InProgress && (s.Pending > 0 || (s.Leased > 0 && s.EarliestLeaseExpiry <= now)))
            {
                open[count++] = p;
            }
        }
        return count == 0 ? -1 : open[(int)(_turn++ % (uint)count)];
    }

    private PartitionPhase PhaseOf(int partition) => S.Progress!.PhaseOf(partition);

    private void SetPhase(int partition, PartitionPhase phase) => S.Progress!.Set(partition, phase);

    /// <summary>A finished partition after a reactivation: its counts are in the persisted totals, and no later report replaces it.</summary>
    private PartitionSummary Frozen(int partition) => new() { Partition = partition, Version = long.MaxValue, Shards = Plan(partition).ShardCount };

    private JobStatus Status()
    {
        // Live sums while this activation has them (in-flight shards of a cancelled job still finish and count).
        var live = _summaries is not null;
        var totals = live ? _totals : S.FinalTotals;
        double? rate = null;
        TimeSpan? left = null;
        if (live && S.State == JobState.Running && _rateStart is { } start)
        {
            var elapsed = (time.GetUtcNow() - start.At).TotalSeconds;
            var finishedSince = totals.Finished - start.Finished;
            if (elapsed > 0)
            {
                rate = (totals.Images - totals.AlreadyCommittedImages - start.Images) / elapsed;
                if (finishedSince > 0)
                {
                    left = TimeSpan.FromSeconds((S.ShardCount - totals.Finished) * elapsed / finishedSince);
                }
            }
        }
        return new JobStatus
        {
            JobId = JobId,
            State = S.State,
            Spec = S.Spec!,
            Shards = S.ShardCount,
            ShardsDone = totals.Done,
            ShardsFailed = totals.Failed,
            ShardsLeased = live ? totals.Leased : 0,
            ImagesDone = totals.Images,
            ImagesFailed = totals.FailedImages,
            InputBytes = totals.InputBytes,
            ImagesPerSecond = rate,
            EstimatedTimeLeft = left,
            SubmittedAt = S.SubmittedAt,
            StartedAt = S.StartedAt,
            FinishedAt = S.FinishedAt,
            Reason = S.Reason,
            ShardsAlreadyCommitted = totals.AlreadyCommitted,
            ImagesAlreadyCommitted = totals.AlreadyCommittedImages,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} submitted: {Input} → {Output}")]
    private static partial void LogSubmitted(ILogger logger, string job, string input, string output);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} running: {Shards} shards in {Partitions} partitions")]
    private static partial void LogRunning(ILogger logger, string job, int shards, int partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} {State}. {Reason}")]
    private static partial void LogFinished(ILogger logger, string job, JobState state, string reason);
}
