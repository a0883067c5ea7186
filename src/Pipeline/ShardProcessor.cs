using System.Diagnostics;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Pipeline.Results;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// Runs one shard end to end: stream its images through the engine, write the .npy folders the job asks for
/// (<see cref="ResultArrays"/>), metadata and failures, then the commit record. Arrays stream to local staging files
/// (<see cref="StagedNpyFile"/>), so memory does not grow with the shard. Each file is
/// written atomically and the commit record last, so a shard is either absent or complete; a rerun writes the same
/// bytes (the mask is a function of seed and key, and batches never span shards). Before the commit record, every
/// file is read back by a reader the writer does not share (<see cref="ResultFileCheck"/>): a Parquet file that does
/// not read back as written is written again (<see cref="CheckedFileWrite"/>), and a shard whose files never
/// read back fails its attempt instead of being committed. The results come from a model, or from a simulated device
/// whose commit records say so (<see cref="IEmbeddingEngine.Simulated"/>).
/// </summary>
public sealed partial class ShardProcessor(
    IEmbeddingEngine engine, IObjectStore input, IObjectStore output, ShardJobOptions options, string jobFingerprint, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public async Task<ShardOutcome> ProcessAsync(InputShard shard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var watch = Stopwatch.StartNew();
        var source = new ShardSampleSource(input, shard, options.MaxImageBytes);
        var metadata = new List<MetadataRow>();
        var failures = new List<FailureRow>();
        var includeLoss = options.Outputs.HasFlag(ResultOutputs.Loss);
        long inputBytes = 0;

        var staged = new List<StagedNpyFile>();
        try
        {
            foreach (var (folder, array) in ResultArrays.For(options, engine.HiddenSize, engine.Patches))
            {
                staged.Add(new StagedNpyFile(OutputLayout.Array(folder, shard.Index), array));
            }
            var pending = new Queue<ShardSample>();
            await foreach (var result in engine.EmbedAsync(Images(source, pending, cancellationToken), cancellationToken).ConfigureAwait(false))
            {
                ShardSample sample;
                lock (pending)
                {
                    sample = pending.Dequeue();
                }
                inputBytes += sample.Image.Encoded.Length;
                if (!result.Succeeded)
                {
                    failures.Add(new FailureRow(result.Key, sample.ImagePath, result.Error!));
                    continue;
                }
                foreach (var file in staged)
                {
                    await file.WriteAsync(result, cancellationToken).ConfigureAwait(false);
                }
                metadata.Add(new MetadataRow(result.Key, sample.ImagePath, includeLoss ? result.Loss : null, result.Width, result.Height, sample.Caption,
                    options.SaveMask ? result.Mask.Select(m => m != 0).ToArray() : null));
            }
            if (source.ShardError is { } shardError)
            {
                failures.Add(new FailureRow(shard.Name, shard.Name, shardError));
            }
            foreach (var file in staged)
            {
                await file.UploadAsync(output, metadata.Count, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var file in staged)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }

        await CheckedFileWrite.WriteAsync(output, OutputLayout.Metadata(shard.Index),
            s => ResultParquetFiles.WriteMetadataAsync(s, metadata, options.SaveMask, includeLoss, cancellationToken),
            s => ResultFileCheck.Metadata(s, metadata, options.SaveMask), _logger, cancellationToken).ConfigureAwait(false);
        await CheckedFileWrite.WriteAsync(output, OutputLayout.Failures(shard.Index),
            s => ResultParquetFiles.WriteFailuresAsync(s, failures, cancellationToken),
            s => ResultFileCheck.Failures(s, failures), _logger, cancellationToken).ConfigureAwait(false);

        var record = new ShardCommitRecord(shard.Index, shard.Name, metadata.Count, failures.Count, engine.HiddenSize, jobFingerprint)
        {
            Simulated = engine.Simulated ? true : null,
        };
        await output.WriteAsync(OutputLayout.Commit(shard.Index), record.ToJson(), cancellationToken).ConfigureAwait(false);
        LogShardCommitted(_logger, shard.Index, metadata.Count, failures.Count, watch.Elapsed);
        return new ShardOutcome(shard.Index, metadata.Count, failures.Count, inputBytes, Skipped: false, watch.Elapsed);
    }

    /// <summary>Feeds the engine and remembers each sample, so results (which come back in order) meet their metadata.</summary>
    private static async IAsyncEnumerable<ImageInput> Images(ShardSampleSource source, Queue<ShardSample> pending,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var sample in source.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lock (pending)
            {
                pending.Enqueue(sample);
            }
            yield return sample.Image;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Shard} committed: {Images} images, {Failures} failures in {Elapsed}")]
    private static partial void LogShardCommitted(ILogger logger, int shard, int images, int failures, TimeSpan elapsed);
}
