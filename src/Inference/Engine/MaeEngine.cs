using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Inference.Masking;
using Mae.Cluster.Inference.Onnx;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mae.Cluster.Inference.Engine;

/// <summary>
/// Embeds images with a ViT-MAE checkpoint: decoding and preprocessing of the next batch run on decode threads
/// while the current batch runs on the engine's dedicated inference thread. One bad image never spoils a batch:
/// it becomes a result with an <see cref="ImageResult.Error"/>.
/// </summary>
public sealed partial class MaeEngine : IEmbeddingEngine, IDisposable
{
    private const int PreparedBatchesAhead = 2;

    private readonly MaeEngineOptions _options;
    private readonly ImagePreprocessor _preprocessor;
    private readonly MaeFeaturesSession? _features;
    private readonly MaeReconstructionSession? _reconstruction;
    private readonly InferenceThread _inferenceThread;
    private readonly Channel<BatchBuffers> _bufferPool;
    private readonly ILogger _logger;

    private MaeEngine(MaeEngineOptions options, MaeCheckpoint checkpoint, MaeFeaturesSession? features,
        MaeReconstructionSession? reconstruction, ILogger logger)
    {
        _options = options;
        _logger = logger;
        Config = checkpoint.Config;
        CheckpointHash = checkpoint.Hash;
        MaskRatio = options.MaskRatio ?? checkpoint.Config.MaskRatio;
        KeptPatches = PatchMasking.KeptCount(Config.NumPatches, MaskRatio);
        _preprocessor = new ImagePreprocessor(checkpoint.Preprocessor, decodeMode: options.DecodeMode);
        JpegDecoderLog.Once(logger, _preprocessor);
        _features = features;
        _reconstruction = reconstruction;
        _inferenceThread = new InferenceThread($"mae-inference-{options.Device}");
        _bufferPool = Channel.CreateBounded<BatchBuffers>(PreparedBatchesAhead + 2);
        for (var i = 0; i < PreparedBatchesAhead + 2; i++)
        {
            _bufferPool.Writer.TryWrite(new BatchBuffers(Config, options.BatchSize, KeptPatches, options.KeepPatchTokens));
        }
    }

    public MaeConfig Config { get; }

    public string CheckpointHash { get; }

    public double MaskRatio { get; }

    public int KeptPatches { get; }

    public MaeEngineOptions Options => _options;

    int IEmbeddingEngine.HiddenSize => Config.HiddenSize;

    int IEmbeddingEngine.Patches => Config.NumPatches;

    bool IEmbeddingEngine.Simulated => false;

    /// <summary>Loads the checkpoint, builds (or reuses cached) graphs and opens the sessions.</summary>
    public static MaeEngine Create(MaeEngineOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        var checkpoint = MaeCheckpoint.Load(options.ModelDirectory);
        var ratio = options.MaskRatio ?? checkpoint.Config.MaskRatio;
        var kept = PatchMasking.KeptCount(checkpoint.Config.NumPatches, ratio);
        if (options.ComputeLoss && (kept < 1 || kept >= checkpoint.Config.NumPatches))
        {
            throw new ArgumentException(
                $"Mask ratio {ratio} keeps {kept} of {checkpoint.Config.NumPatches} patches; the loss needs at least one kept and one masked patch.");
        }

        var cache = new GraphCache(options.GraphCacheDirectory);
        MaeFeaturesSession? features = null;
        MaeReconstructionSession? reconstruction = null;
        try
        {
            if (options.ComputeEmbeddings)
            {
                var kind = options.KeepPatchTokens ? MaeGraphKind.FeaturesWithTokens : MaeGraphKind.Features;
                var path = cache.GetOrBuild(checkpoint, kind, options.Precision, options.Emission, options.Device);
                features = new MaeFeaturesSession(OnnxSessionFactory.Create(path, options.Device, options.InferenceThreads), checkpoint.Config);
            }
            if (options.ComputeLoss)
            {
                var path = cache.GetOrBuild(checkpoint, MaeGraphKind.Reconstruction, options.Precision, options.Emission, options.Device);
                reconstruction = new MaeReconstructionSession(OnnxSessionFactory.Create(path, options.Device, options.InferenceThreads), checkpoint.Config);
            }
        }
        catch
        {
            features?.Dispose();
            reconstruction?.Dispose();
            throw;
        }
        LogEngineReady(logger, checkpoint.Hash, options.Device, options.Precision, options.Emission, options.BatchSize);
        return new MaeEngine(options, checkpoint, features, reconstruction, logger);
    }

    /// <summary>
    /// Embeds a stream of images, yielding one result per input in input order. Batches are prepared
    /// (decoded, preprocessed, masked) ahead of the batch on the inference thread, with bounded look-ahead.
    /// </summary>
    public async IAsyncEnumerable<ImageResult> EmbedAsync(IAsyncEnumerable<ImageInput> images,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var prepared = Channel.CreateBounded<(BatchBuffers Buffers, ImageInput[] Inputs)>(
            new BoundedChannelOptions(PreparedBatchesAhead) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        var producer = Task.Run(() => PrepareBatchesAsync(images, prepared.Writer, linked.Token), linked.Token);
        try
        {
            await foreach (var (buffers, inputs) in prepared.Reader.ReadAllAsync(linked.Token).ConfigureAwait(false))
            {
                ImageResult[] results;
                try
                {
                    await _inferenceThread.RunAsync(() => RunModels(buffers), linked.Token).ConfigureAwait(false);
                    results = CollectResults(buffers, inputs);
                }
                finally
                {
                    _bufferPool.Writer.TryWrite(buffers);
                }
                foreach (var result in results)
                {
                    yield return result;
                }
            }
            await producer.ConfigureAwait(false);
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            // Return any prepared-but-unused buffers so the engine stays usable after a cancelled run.
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            while (prepared.Reader.TryRead(out var leftover))
            {
                _bufferPool.Writer.TryWrite(leftover.Buffers);
            }
        }
    }

    /// <summary>Embeds one batch (of any size), in order.</summary>
    public async Task<IReadOnlyList<ImageResult>> EmbedBatchAsync(IReadOnlyList<ImageInput> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var results = new List<ImageResult>(images.Count);
        await foreach (var result in EmbedAsync(images.ToAsyncEnumerable(), cancellationToken).ConfigureAwait(false))
        {
            results.Add(result);
        }
        return results;
    }

    private async Task PrepareBatchesAsync(IAsyncEnumerable<ImageInput> images,
        ChannelWriter<(BatchBuffers, ImageInput[])> output, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            var pending = new List<ImageInput>(_options.BatchSize);
            await foreach (var image in images.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                pending.Add(image);
                if (pending.Count == _options.BatchSize)
                {
                    await PrepareOneAsync(pending, output, cancellationToken).ConfigureAwait(false);
                    pending.Clear();
                }
            }
            if (pending.Count > 0)
            {
                await PrepareOneAsync(pending, output, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            output.TryComplete(failure);
        }
    }

    private async Task PrepareOneAsync(List<ImageInput> pending, ChannelWriter<(BatchBuffers, ImageInput[])> output,
        CancellationToken cancellationToken)
    {
        var buffers = await _bufferPool.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var inputs = pending.ToArray();
        try
        {
            Prepare(buffers, inputs, cancellationToken);
            await output.WriteAsync((buffers, inputs), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _bufferPool.Writer.TryWrite(buffers);
            throw;
        }
    }

    /// <summary>Decodes, preprocesses and masks every image of a batch in parallel, then packs the good ones densely.</summary>
    private void Prepare(BatchBuffers buffers, ImageInput[] inputs, CancellationToken cancellationToken)
    {
        buffers.Count = inputs.Length;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.DecodeThreads, CancellationToken = cancellationToken };
        Parallel.For(0, inputs.Length, parallel, slot =>
        {
            var image = inputs[slot];
            if (image.ReadError is { } readError)
            {
                buffers.Results[slot] = ImageResult.Failed(image.Key, readError);
                return;
            }
            try
            {
                var pixels = buffers.Pixels.AsSpan(slot * buffers.ImageFloats, buffers.ImageFloats);
                buffers.Sizes[slot] = _preprocessor.Preprocess(image.Encoded.Span, pixels);
                buffers.Results[slot] = null;
                if (_reconstruction is not null)
                {
                    var l = Config.NumPatches;
                    PatchMasking.FromNoise(PatchMasking.Noise(_options.Seed, image.Key, l), MaskRatio,
                        buffers.IdsKeep.AsSpan(slot * KeptPatches, KeptPatches), buffers.IdsRestore.AsSpan(slot * l, l), buffers.Mask.AsSpan(slot * l, l));
                }
            }
            catch (ImageDecodeException e)
            {
                buffers.Results[slot] = ImageResult.Failed(image.Key, e.Reason);
            }
        });

        var rows = 0;
        var l = Config.NumPatches;
        for (var slot = 0; slot < inputs.Length; slot++)
        {
            if (buffers.Results[slot] is not null)
            {
                buffers.Rows[slot] = -1;
                continue;
            }
            if (rows != slot)
            {
                // Close the gap a failed image left, so the models only see decoded images.
                Array.Copy(buffers.Pixels, slot * buffers.ImageFloats, buffers.Pixels, rows * buffers.ImageFloats, buffers.ImageFloats);
                Array.Copy(buffers.IdsKeep, slot * KeptPatches, buffers.IdsKeep, rows * KeptPatches, KeptPatches);
                Array.Copy(buffers.IdsRestore, slot * l, buffers.IdsRestore, rows * l, l);
                Array.Copy(buffers.Mask, slot * l, buffers.Mask, rows * l, l);
            }
            buffers.Rows[slot] = rows++;
        }
        buffers.RowCount = rows;
    }

    private void RunModels(BatchBuffers buffers)
    {
        if (buffers.RowCount == 0)
        {
            return;
        }
        _features?.Run(buffers.Pixels, buffers.RowCount, buffers.Cls, buffers.Mean, buffers.Tokens);
        _reconstruction?.Run(buffers.Pixels, buffers.IdsKeep, buffers.IdsRestore, buffers.Mask, buffers.RowCount, KeptPatches, buffers.Loss);
    }

    private ImageResult[] CollectResults(BatchBuffers buffers, ImageInput[] inputs)
    {
        int d = Config.HiddenSize, l = Config.NumPatches;
        var results = new ImageResult[buffers.Count];
        for (var slot = 0; slot < buffers.Count; slot++)
        {
            if (buffers.Results[slot] is { } failure)
            {
                results[slot] = failure;
                continue;
            }
            var row = buffers.Rows[slot];
            var mask = Array.Empty<byte>();
            if (_reconstruction is not null)
            {
                mask = new byte[l];
                for (var j = 0; j < l; j++)
                {
                    mask[j] = buffers.Mask[(row * l) + j] > 0.5f ? (byte)1 : (byte)0;
                }
            }
            results[slot] = new ImageResult
            {
                Key = inputs[slot].Key,
                Width = buffers.Sizes[slot].Width,
                Height = buffers.Sizes[slot].Height,
                ClsEmbedding = _features is null ? [] : buffers.Cls.AsSpan(row * d, d).ToArray(),
                MeanEmbedding = _features is null ? [] : buffers.Mean.AsSpan(row * d, d).ToArray(),
                PatchTokens = buffers.Tokens is { } tokens ? tokens.AsSpan(row * buffers.TokenFloats, buffers.TokenFloats).ToArray() : [],
                Loss = _reconstruction is null ? float.NaN : buffers.Loss[row],
                Mask = mask,
            };
        }
        return results;
    }

    public void Dispose()
    {
        _inferenceThread.Dispose();
        _features?.Dispose();
        _reconstruction?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MAE engine ready: checkpoint {Checkpoint}, device {Device}, precision {Precision}, emission {Emission}, batch {BatchSize}")]
    private static partial void LogEngineReady(ILogger logger, string checkpoint, ExecutionDevice device, Precision precision, GraphEmission emission, int batchSize);
}
