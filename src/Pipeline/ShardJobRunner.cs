using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Masking;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// Runs a whole job on this machine: checks the spec before any work, skips shards already committed, processes
/// the rest with a few shards in flight (so download, decode, inference and upload overlap), retries a shard that
/// hit a storage failure, then writes job.json and _SUCCESS.
/// </summary>
public sealed partial class ShardJobRunner(MaeEngine engine, ShardJobOptions options, string modelName, StorageOptions? storage = null, ILogger? logger = null)
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
        await ClaimOutputAsync(output, manifest, cancellationToken).ConfigureAwait(false);

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

        var elapsed = watch.Elapsed.TotalSeconds;
        var completed = manifest with
        {
            State = "completed",
            Images = images,
            Failures = failures,
            FinishedAt = DateTimeOffset.UtcNow,
            ElapsedSeconds = Math.Round(elapsed, 3),
            ImagesPerSecond = elapsed > 0 ? Math.Round(images / elapsed, 2) : null,
        };
        await output.WriteAsync(OutputLayout.JobManifest, completed.ToJson(), cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(OutputLayout.SuccessMarker, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
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
        var bytes = await output.TryReadSmallAsync(OutputLayout.Commit(shard.Index), cancellationToken).ConfigureAwait(false);
        if (bytes is null || ShardCommitRecord.Parse(bytes) is not { } record)
        {
            return null;
        }
        return new ShardOutcome(shard.Index, record.Images, record.Failures, 0, Skipped: true, TimeSpan.Zero);
    }

    /// <summary>
    /// Refuses an output that holds a different job's results (another input, model, seed or option): mixing them
    /// would silently corrupt both. The same job again resumes.
    /// </summary>
    private static async Task ClaimOutputAsync(IObjectStore output, JobManifest manifest, CancellationToken cancellationToken)
    {
        var existing = await output.TryReadSmallAsync(OutputLayout.JobManifest, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            var previous = JobManifest.Parse(existing);
            if (previous?.JobFingerprint != manifest.JobFingerprint)
            {
                throw new JobSpecException(
                    $"{output.Location} already holds the results of a different job (input {previous?.Input ?? "?"}, model {previous?.Model ?? "?"}, " +
                    $"seed {previous?.Seed.ToString(CultureInfo.InvariantCulture) ?? "?"}). Choose another output location or delete it.");
            }
            return;
        }
        await output.WriteAsync(OutputLayout.JobManifest, manifest.ToJson(), cancellationToken).ConfigureAwait(false);
    }

    private JobManifest Manifest(IObjectStore input, IObjectStore output, int shardCount, DateTimeOffset startedAt)
    {
        var engineOptions = engine.Options;
        var manifest = new JobManifest
        {
            State = "running",
            JobFingerprint = "",
            Input = input.Location.ToString(),
            Output = output.Location.ToString(),
            Model = modelName,
            ModelSha256 = engine.CheckpointHash,
            Seed = engineOptions.Seed,
            MaskRatio = engine.MaskRatio,
            MaskScheme = PatchMasking.Scheme,
            Pool = options.Pool.ToString().ToLowerInvariant(),
            EmbeddingDtype = options.EmbeddingType == NpyElementType.Fp16 ? "float16" : "float32",
            EmbeddingDim = engine.Config.HiddenSize,
            ShardSize = options.ShardSize,
            SaveMask = options.SaveMask,
            Precision = engineOptions.Precision.ToString().ToLowerInvariant(),
            Device = engineOptions.Device.ToString(),
            BatchSize = engineOptions.BatchSize,
            Shards = shardCount,
            StartedAt = startedAt,
            SoftwareVersion = typeof(ShardJobRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        };
        // Everything that changes what the output holds; not device, batch size or timings, which don't — nor the
        // credential in the input URL: a rerun with a renewed SAS (new expiry, new signature) reads the same data.
        var identity = string.Join('\n', WithoutCredential(input.Location), manifest.Model, manifest.ModelSha256, manifest.Seed.ToString(CultureInfo.InvariantCulture),
            manifest.MaskRatio.ToString("R", CultureInfo.InvariantCulture), manifest.MaskScheme, manifest.Pool, manifest.EmbeddingDtype,
            manifest.ShardSize.ToString(CultureInfo.InvariantCulture), manifest.SaveMask.ToString(), manifest.Precision);
        return manifest with { JobFingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..32] };
    }

    /// <summary>The location as text without its (redacted) SAS query, which changes whenever the token is renewed.</summary>
    private static string WithoutCredential(StorageLocation location)
    {
        var text = location.ToString();
        return location.HasSasToken ? text[..text.LastIndexOf('?')] : text;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Shard} attempt {Attempt} failed, retrying: {Reason}")]
    private static partial void LogShardRetry(ILogger logger, int shard, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job completed: {Shards} shards, {Images} images, {Failures} failures in {Elapsed}")]
    private static partial void LogJobCompleted(ILogger logger, int shards, long images, long failures, TimeSpan elapsed);
}
