using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// Coordinates one job. Persists only its spec, state and shape (written on state changes, never per shard); keeps
/// the latest summary of each partition in memory, rebuilt from the partitions when it activates, and sums them
/// incrementally. Hands workers partitions round-robin; the partitions hand out the shards.
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

    private PartitionSummary[]? _summaries;
    private bool[]? _touched;
    private readonly JobTotals _totals = new();
    private int _cursor;
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

    public Task<JobStatus> GetStatusAsync() =>
        S.Spec is null ? throw new KeyNotFoundException($"No job with id '{JobId}' was submitted.") : Task.FromResult(Status());

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

    public Task<WorkAssignment?> RequestWorkAsync()
    {
        if (S.State != JobState.Running || _summaries is null)
        {
            return Task.FromResult<WorkAssignment?>(null);
        }
        var now = time.GetUtcNow();
        for (var i = 0; i < _summaries.Length; i++)
        {
            var p = (_cursor + i) % _summaries.Length;
            var s = _summaries[p];
            if (s.Pending > 0 || (s.Leased > 0 && s.EarliestLeaseExpiry <= now))
            {
                _cursor = (p + 1) % _summaries.Length;
                _touched![p] = true;
                return Task.FromResult<WorkAssignment?>(new WorkAssignment(Plan(p), S.Spec!));
            }
        }
        return Task.FromResult<WorkAssignment?>(null);
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
        _touched![summary.Partition] = true;
        _rateStart ??= (time.GetUtcNow(), _totals.Images - _totals.AlreadyCommittedImages - (summary.Images - summary.AlreadyCommittedImages),
            _totals.Finished - summary.Done - summary.Failed);

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
            if (_summaries[p].Failed > 0)
            {
                var partition = await GrainFactory.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(JobId, p)).GetFailuresAsync();
                failures.AddRange(partition.Take(maxCount - failures.Count));
            }
        }
        return failures;
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
        if (wasRunning && final != JobState.Completed && _touched is not null)
        {
            // Workers may hold a partition from an earlier assignment and lease from it directly: tell the partitions
            // they may have handed shards out. Untouched ones have no worker to stop.
            var cancels = Enumerable.Range(0, _touched.Length).Where(p => _touched[p])
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
        _touched = new bool[S.PartitionCount];
        for (var p = 0; p < _summaries.Length; p++)
        {
            _summaries[p] = PartitionSummary.Untouched(p, Plan(p).ShardCount);
        }
    }

    /// <summary>After a restart the in-memory summaries are gone; the partitions hold the truth, so ask them.</summary>
    private async Task RebuildSummariesAsync(CancellationToken cancellationToken)
    {
        InitializeSummaries();
        await Parallel.ForEachAsync(Enumerable.Range(0, S.PartitionCount),
            new ParallelOptions { MaxDegreeOfParallelism = RebuildParallelism, CancellationToken = cancellationToken, TaskScheduler = TaskScheduler.Current },
            async (p, _) =>
            {
                var summary = await GrainFactory.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(JobId, p)).GetSummaryAsync(Plan(p));
                _summaries![p] = summary;
            });
        foreach (var summary in _summaries!)
        {
            _totals.Add(summary, +1);
            _touched![summary.Partition] = summary.Version >= 0;
        }
        if (_totals.Finished == S.ShardCount)
        {
            await FinishAsync(JobState.Completed, null, abandonInFlight: false);
        }
    }

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
