using System.Runtime.CompilerServices;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Masking;

namespace Mae.Cluster.Inference.Simulation;

/// <summary>What a simulated engine computes for a job; the shape comes from the job's model (its job.json).</summary>
/// <param name="HiddenSize">Floats per embedding.</param>
/// <param name="Patches">Patches per image.</param>
/// <param name="BatchSize">Images booked on the device at once, as the model would run them.</param>
/// <param name="Seed">The job's mask seed.</param>
/// <param name="MaskRatio">The job's mask ratio.</param>
public sealed record SimulatedEngineOptions(int HiddenSize, int Patches, int BatchSize, long Seed, double MaskRatio,
    bool ComputeEmbeddings, bool ComputeLoss, bool KeepPatchTokens);

/// <summary>
/// The engine of a <see cref="SimulatedDevice"/>: takes each image's bytes (read for real), does not decode them,
/// books each batch on the device's <see cref="DevicePace"/> and yields results from <see cref="SimulatedEmbeddings"/>.
/// The mask is the real one (a function of seed and key), so <c>--save-mask</c> outputs are what the model would
/// write. Width and height are 0: nothing was decoded to measure them. An image whose bytes could not be read
/// still fails, as it does on a real device; bytes that are no image do not (nothing decodes them).
/// </summary>
public sealed class SimulatedEngine(SimulatedEngineOptions options, DevicePace pace) : IEmbeddingEngine
{
    public int HiddenSize => options.HiddenSize;

    public int Patches => options.Patches;

    public bool Simulated => true;

    public async IAsyncEnumerable<ImageResult> EmbedAsync(IAsyncEnumerable<ImageInput> images,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var batch = new List<ImageInput>(options.BatchSize);
        await foreach (var image in images.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            batch.Add(image);
            if (batch.Count < options.BatchSize)
            {
                continue;
            }
            foreach (var result in await RunAsync(batch, cancellationToken).ConfigureAwait(false))
            {
                yield return result;
            }
            batch.Clear();
        }
        foreach (var result in await RunAsync(batch, cancellationToken).ConfigureAwait(false))
        {
            yield return result;
        }
    }

    private async Task<ImageResult[]> RunAsync(List<ImageInput> batch, CancellationToken cancellationToken)
    {
        var results = batch.Select(Result).ToArray();
        await pace.RunAsync(results.Count(r => r.Succeeded), cancellationToken).ConfigureAwait(false);
        return results;
    }

    private ImageResult Result(ImageInput image)
    {
        if (image.ReadError is { } readError)
        {
            return ImageResult.Failed(image.Key, readError);
        }
        var seed = SimulatedEmbeddings.Seed(image.Encoded.Span);
        var d = options.HiddenSize;
        return new ImageResult
        {
            Key = image.Key,
            ClsEmbedding = options.ComputeEmbeddings ? SimulatedEmbeddings.Values(seed, SimulatedEmbeddings.ClsStream, d) : [],
            MeanEmbedding = options.ComputeEmbeddings ? SimulatedEmbeddings.Values(seed, SimulatedEmbeddings.MeanStream, d) : [],
            PatchTokens = options.ComputeEmbeddings && options.KeepPatchTokens
                ? SimulatedEmbeddings.Values(seed, SimulatedEmbeddings.HiddenStatesStream, (options.Patches + 1) * d)
                : [],
            Loss = options.ComputeLoss ? SimulatedEmbeddings.Loss(seed) : float.NaN,
            Mask = options.ComputeLoss ? Mask(image.Key) : [],
        };
    }

    private byte[] Mask(string key)
    {
        var l = options.Patches;
        var kept = PatchMasking.KeptCount(l, options.MaskRatio);
        var mask = new float[l];
        PatchMasking.FromNoise(PatchMasking.Noise(options.Seed, key, l), options.MaskRatio, new long[kept], new long[l], mask);
        return [.. mask.Select(m => m > 0.5f ? (byte)1 : (byte)0)];
    }
}
