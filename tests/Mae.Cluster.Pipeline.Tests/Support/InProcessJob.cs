using System.Diagnostics;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>
/// A test harness that runs a whole job in this process, without Orleans, from the pipeline's own parts: it lists the
/// input, claims the output (refusing one that holds a different job), runs <see cref="ShardProcessor"/> on every
/// shard not committed yet with a few shards in flight, retries a shard that hit a storage failure, then marks the
/// job completed (job.json and _SUCCESS). It lets the pipeline tests run a job end to end; the product has no such
/// runner: its jobs run on an Orleans cluster (<c>mae run</c> hosts a one-silo one).
/// </summary>
internal sealed partial class InProcessJob(MaeEngine engine, ShardJobOptions options, string modelName, StorageOptions? storage = null, ILogger? logger = null)
{
    private const int AttemptsPerShard = 3;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public async Task<JobManifest> RunAsync(IProgress<JobProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        options.Validate();
        var watch = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        var input = ObjectStoreFactory.Create(options.Input, storage, _logger);
        var output = ObjectStoreFactory.Create(options.Output, storage, _logger);

        var shards = await InputShardLister.ListAsync(input, options.ShardSize, cancellationToken).ConfigureAwait(false);
        if (shards.Count == 0)
        {
            throw new JobSpecException($"No images or .tar shards found under {input.Location}.");
        }
        await output.EnsureWritableAsync(cancellationToken).ConfigureAwait(false);

        var manifest = Manifest(input, output, shards.Count, startedAt);
        await JobOutputClaim.ClaimAsync(output, manifest, cancellationToken).ConfigureAwait(false);

        var processor = new ShardProcessor(engine, input, output, options, manifest.JobFingerprint, _logger);
        long images = 0, failures = 0;
        int done = 0, skipped = 0;
        void Report() => progress?.Report(new JobProgress(shards.Count, Volatile.Read(ref done), Volatile.Read(ref skipped),
            Interlocked.Read(ref images), Interlocked.Read(ref failures), watch.Elapsed));

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.ShardsInFlight, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(shards, parallel, async (shard, ct) =>
        {
            var outcome = await ReadCommittedAsync(output, shard, ct).ConfigureAwait(false)
                          ?? await ProcessWithRetriesAsync(processor, shard, ct).ConfigureAwait(false);
            Interlocked.Add(ref images, outcome.Images);
            Interlocked.Add(ref failures, outcome.Failures);
            if (outcome.Skipped)
            {
                Interlocked.Increment(ref skipped);
            }
            Interlocked.Increment(ref done);
            Report();
        }).ConfigureAwait(false);

        var completed = await JobOutputClaim.MarkCompletedAsync(output, manifest, images, failures, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        LogJobCompleted(_logger, shards.Count, images, failures, watch.Elapsed);
        return completed;
    }

    private async Task<ShardOutcome> ProcessWithRetriesAsync(ShardProcessor processor, InputShard shard, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await processor.ProcessAsync(shard, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < AttemptsPerShard && IsRetryable(e) && !cancellationToken.IsCancellationRequested)
            {
                LogShardRetry(_logger, shard.Index, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsRetryable(Exception e) =>
        e is IOException or TimeoutException or HttpRequestException
        || (e is StorageException && e is not (StorageAccessDeniedException or InvalidStorageLocationException or InvalidObjectPathException
            or StorageConfigurationException or StorageObjectNotFoundException or StorageNotWritableException));

    private static async Task<ShardOutcome?> ReadCommittedAsync(IObjectStore output, InputShard shard, CancellationToken cancellationToken)
    {
        var bytes = await output.TryReadAsync(OutputLayout.Commit(shard.Index), cancellationToken).ConfigureAwait(false);
        if (bytes is null || ShardCommitRecord.Parse(bytes) is not { } record)
        {
            return null;
        }
        return new ShardOutcome(shard.Index, record.Images, record.Failures, 0, Skipped: true, TimeSpan.Zero);
    }

    private JobManifest Manifest(IObjectStore input, IObjectStore output, int shardCount, DateTimeOffset startedAt)
    {
        var engineOptions = engine.Options;
        var identity = new JobIdentity(input.Location.ToString(), output.Location.ToString(), modelName, engine.CheckpointHash, engineOptions.Seed,
            engine.MaskRatio, engine.Config.HiddenSize, engine.Config.NumPatches, options, engineOptions.Precision);
        return JobOutputClaim.Describe(identity, engineOptions.Device.ToString(), engineOptions.BatchSize, shardCount, startedAt);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Shard} attempt {Attempt} failed, retrying: {Reason}")]
    private static partial void LogShardRetry(ILogger logger, int shard, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job completed: {Shards} shards, {Images} images, {Failures} failures in {Elapsed}")]
    private static partial void LogJobCompleted(ILogger logger, int shards, long images, long failures, TimeSpan elapsed);
}
