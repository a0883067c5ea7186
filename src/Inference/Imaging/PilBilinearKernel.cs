using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Pillow's <c>precompute_coeffs</c> followed by <c>normalize_coeffs_8bpc</c> for one axis of a BILINEAR resize: for
/// each output position, the first input position it reads, how many it reads, and their fixed-point weights.
/// Immutable, so one instance serves every thread; <see cref="For"/> caches them per (input size, output size),
/// because a dataset brings the same few sizes over and over and the model size never changes.
/// </summary>
internal sealed class PilBilinearKernel
{
    /// <summary>8 bits of result plus 2 bits of headroom leave 22 bits of fraction in an int.</summary>
    public const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Pillow starts every sum at one half so the final shift rounds to nearest.</summary>
    public const int RoundingBias = 1 << (PrecisionBits - 1);

    /// <summary>
    /// Weight runs are padded with zeros to a multiple of this, so the vector resize reads whole vectors of weights
    /// (and of pixels, whose extra ones the zeros cancel).
    /// </summary>
    public const int WeightAlignment = 8;

    /// <summary>The bilinear (triangle) filter reaches one source pixel either side at scale 1.</summary>
    private const double BilinearSupport = 1.0;

    /// <summary>
    /// Enough for every size pair of a large, varied dataset many times over; past it the cache starts again rather
    /// than grow without bound (a kernel costs microseconds to rebuild).
    /// </summary>
    private const int CacheCapacity = 512;

    private static readonly ConcurrentDictionary<(int Input, int Output), PilBilinearKernel> Cache = new();

    private readonly int[] _bounds;
    private readonly int[] _weights;

    private PilBilinearKernel(int[] bounds, int[] weights, int stride)
    {
        _bounds = bounds;
        _weights = weights;
        Stride = stride;
    }

    /// <summary>Distance between the weight runs of consecutive output positions: Pillow's window size, padded.</summary>
    public int Stride { get; }

    /// <summary>Every output position's weights, <see cref="Stride"/> apart, zero past each one's count.</summary>
    public ReadOnlySpan<int> Weights => _weights;

    /// <summary>(start, count) of every output position, in order.</summary>
    public ReadOnlySpan<int> Bounds => _bounds;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Start(int output) => _bounds[output * 2];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Count(int output) => _bounds[(output * 2) + 1];

    /// <summary>The kernel resizing an axis of <paramref name="inputSize"/> to <paramref name="outputSize"/>.</summary>
    public static PilBilinearKernel For(int inputSize, int outputSize)
    {
        if (Cache.TryGetValue((inputSize, outputSize), out var kernel))
        {
            return kernel;
        }

        kernel = Create(inputSize, outputSize);
        if (Cache.Count >= CacheCapacity)
        {
            Cache.Clear();
        }

        Cache.TryAdd((inputSize, outputSize), kernel);
        return kernel;
    }

    private static PilBilinearKernel Create(int inputSize, int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);

        // Pillow takes the scale from a float box (0, inputSize); both are exact in double.
        double scale = (double)inputSize / outputSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = BilinearSupport * filterScale;
        // Pillow's window size; no window reads more than the whole input axis, which bounds memory for extreme
        // downscales.
        int size = Math.Min(((int)Math.Ceiling(support) * 2) + 1, inputSize);
        int stride = (size + WeightAlignment - 1) / WeightAlignment * WeightAlignment;

        var bounds = new int[outputSize * 2];
        var weights = new int[outputSize * stride];
        var raw = new double[size];
        double inverseFilterScale = 1.0 / filterScale;
        for (int output = 0; output < outputSize; output++)
        {
            double center = (output + 0.5) * scale;
            // (int) truncates toward zero exactly like the C cast; both ends are then clamped.
            int start = Math.Max((int)(center - support + 0.5), 0);
            int end = Math.Min((int)(center + support + 0.5), inputSize);
            int count = end - start;

            double total = 0.0;
            for (int i = 0; i < count; i++)
            {
                double w = Triangle((i + start - center + 0.5) * inverseFilterScale);
                raw[i] = w;
                total += w;
            }

            Span<int> fixedPoint = weights.AsSpan(output * stride, count);
            for (int i = 0; i < count; i++)
            {
                double w = total != 0.0 ? raw[i] / total : raw[i];
                fixedPoint[i] = w < 0
                    ? (int)(-0.5 + (w * (1 << PrecisionBits)))
                    : (int)(0.5 + (w * (1 << PrecisionBits)));
            }

            bounds[output * 2] = start;
            bounds[(output * 2) + 1] = count;
        }

        return new PilBilinearKernel(bounds, weights, stride);
    }

    private static double Triangle(double x)
    {
        if (x < 0.0)
        {
            x = -x;
        }

        return x < 1.0 ? 1.0 - x : 0.0;
    }
}
