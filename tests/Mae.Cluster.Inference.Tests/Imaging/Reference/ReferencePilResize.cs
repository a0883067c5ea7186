using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mae.Cluster.Inference.Tests.Imaging.Reference;

/// <summary>
/// A frozen copy of src/Inference/Imaging/PilResize.cs as it shipped before the fused Vector256 resize (issue 12), so
/// that the production paths are compared with what shipped, whatever later happens to the production copy.
/// Pillow's <c>Image.resize((w, h), Image.BILINEAR)</c> for 8-bit RGB, bit for bit (Pillow's
/// <c>libImaging/Resample.c</c>, which has been stable since Pillow 4): a separable triangle filter whose
/// support grows with the downscale factor (so downscaling is antialiased, upscaling is plain bilinear),
/// fixed-point weights with 22 fractional bits, a horizontal pass rounded to 8 bits, then a vertical pass
/// rounded to 8 bits. The results are compared byte for byte with Pillow in the tests.
/// </summary>
internal static class ReferencePilResize
{
    /// <summary>8 bits of result plus 2 bits of headroom leave 22 bits of fraction in an int.</summary>
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Pillow starts every sum at one half so the final shift rounds to nearest.</summary>
    private const int RoundingBias = 1 << (PrecisionBits - 1);

    /// <summary>The bilinear (triangle) filter reaches one source pixel either side at scale 1.</summary>
    private const double BilinearSupport = 1.0;

    /// <summary>
    /// Resizes interleaved RGB <paramref name="source"/> (sourceWidth × sourceHeight × 3 bytes) into
    /// <paramref name="destination"/> (width × height × 3 bytes). Thread-safe; scratch memory is pooled.
    /// </summary>
    public static void Resize(
        ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight,
        Span<byte> destination, int width, int height)
    {
        CheckSize(source.Length, sourceWidth, sourceHeight, nameof(source));
        CheckSize(destination.Length, width, height, nameof(destination));

        bool resizeRows = width != sourceWidth;
        bool resizeColumns = height != sourceHeight;
        if (!resizeRows && !resizeColumns)
        {
            // Pillow returns a copy when the size does not change.
            source.CopyTo(destination);
            return;
        }

        if (!resizeColumns)
        {
            using var horizontalOnly = ResampleKernel.Create(sourceWidth, width);
            ResampleRows(source, sourceWidth, 0, sourceHeight, destination, width, horizontalOnly);
            return;
        }

        using var vertical = ResampleKernel.Create(sourceHeight, height);
        if (!resizeRows)
        {
            ResampleColumns(source, sourceWidth * 3, destination, height, vertical, rowOffset: 0);
            return;
        }

        // Like Pillow, the horizontal pass covers only the source rows the vertical pass will read.
        int firstRow = vertical.Start(0);
        int endRow = vertical.Start(height - 1) + vertical.Count(height - 1);
        int intermediateLength = width * 3 * (endRow - firstRow);
        byte[] intermediate = ArrayPool<byte>.Shared.Rent(intermediateLength);
        try
        {
            using (var horizontal = ResampleKernel.Create(sourceWidth, width))
            {
                ResampleRows(source, sourceWidth, firstRow, endRow, intermediate, width, horizontal);
            }

            ResampleColumns(intermediate.AsSpan(0, intermediateLength), width * 3, destination, height, vertical, firstRow);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(intermediate);
        }
    }

    private static void CheckSize(int length, int width, int height, string name)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(name, $"image size {width}×{height} is not positive");
        }

        if ((long)width * height * 3 != length)
        {
            throw new ArgumentException($"{width}×{height} RGB needs {(long)width * height * 3} bytes, got {length}", name);
        }
    }

    /// <summary>
    /// Horizontal pass: source rows [firstRow, endRow) become rows 0.. of <paramref name="destination"/>.
    /// With SIMD, each tap loads one pixel as four bytes (R, G, B and the next pixel's R, whose lane is ignored)
    /// and does one multiply-add for all channels; the arithmetic is the same integer arithmetic as Pillow's.
    /// </summary>
    private static void ResampleRows(
        ReadOnlySpan<byte> source, int sourceWidth, int firstRow, int endRow,
        Span<byte> destination, int width, ResampleKernel kernel)
    {
        ref int weights = ref MemoryMarshal.GetReference(kernel.Weights);
        ref byte sourceStart = ref MemoryMarshal.GetReference(source);
        ref byte destinationStart = ref MemoryMarshal.GetReference(destination);
        int sourceStride = sourceWidth * 3;
        int destinationStride = width * 3;
        bool simd = Vector128.IsHardwareAccelerated;

        for (int y = firstRow; y < endRow; y++)
        {
            ref byte sourceRow = ref Unsafe.Add(ref sourceStart, (nint)y * sourceStride);
            ref byte destinationRow = ref Unsafe.Add(ref destinationStart, (nint)(y - firstRow) * destinationStride);
            // Bytes readable from the start of this row: a four-byte load of the row's last pixel needs one more.
            long readable = source.Length - ((long)y * sourceStride);
            for (int x = 0; x < width; x++)
            {
                int start = kernel.Start(x);
                int count = kernel.Count(x);
                ref int k = ref Unsafe.Add(ref weights, x * kernel.Size);
                ref byte pixel = ref Unsafe.Add(ref sourceRow, start * 3);
                ref byte output = ref Unsafe.Add(ref destinationRow, x * 3);
                if (simd && ((start + count) * 3) + 1 <= readable)
                {
                    Vector128<int> sum = Vector128.Create(RoundingBias);
                    for (int i = 0; i < count; i++)
                    {
                        uint packed = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref pixel, i * 3));
                        Vector128<int> channels = Vector128.WidenLower(Vector128.WidenLower(
                            Vector128.CreateScalarUnsafe(packed).AsByte())).AsInt32();
                        sum += channels * Vector128.Create(Unsafe.Add(ref k, i));
                    }

                    output = Clip8(sum.GetElement(0));
                    Unsafe.Add(ref output, 1) = Clip8(sum.GetElement(1));
                    Unsafe.Add(ref output, 2) = Clip8(sum.GetElement(2));
                }
                else
                {
                    int r = RoundingBias, g = RoundingBias, b = RoundingBias;
                    for (int i = 0; i < count; i++)
                    {
                        int w = Unsafe.Add(ref k, i);
                        r += Unsafe.Add(ref pixel, (i * 3) + 0) * w;
                        g += Unsafe.Add(ref pixel, (i * 3) + 1) * w;
                        b += Unsafe.Add(ref pixel, (i * 3) + 2) * w;
                    }

                    output = Clip8(r);
                    Unsafe.Add(ref output, 1) = Clip8(g);
                    Unsafe.Add(ref output, 2) = Clip8(b);
                }
            }
        }
    }

    /// <summary>
    /// Vertical pass. Every byte of an output row is the same weighted sum of source rows, whatever its
    /// channel, so the rows are processed as flat byte vectors.
    /// </summary>
    private static void ResampleColumns(
        ReadOnlySpan<byte> source, int stride, Span<byte> destination, int height, ResampleKernel kernel, int rowOffset)
    {
        ReadOnlySpan<int> weights = kernel.Weights;
        int vectorBytes = Vector<byte>.Count;
        int vectorEnd = Vector.IsHardwareAccelerated ? stride - (stride % vectorBytes) : 0;

        for (int y = 0; y < height; y++)
        {
            int start = kernel.Start(y) - rowOffset;
            ReadOnlySpan<int> k = weights.Slice(y * kernel.Size, kernel.Count(y));
            Span<byte> destinationRow = destination.Slice(y * stride, stride);

            int offset = 0;
            for (; offset < vectorEnd; offset += vectorBytes)
            {
                var bias = new Vector<int>(RoundingBias);
                Vector<int> sum0 = bias, sum1 = bias, sum2 = bias, sum3 = bias;
                for (int i = 0; i < k.Length; i++)
                {
                    var bytes = new Vector<byte>(source.Slice(((start + i) * stride) + offset, vectorBytes));
                    Vector.Widen(bytes, out Vector<ushort> low, out Vector<ushort> high);
                    Vector.Widen(low, out Vector<uint> part0, out Vector<uint> part1);
                    Vector.Widen(high, out Vector<uint> part2, out Vector<uint> part3);
                    var w = new Vector<int>(k[i]);
                    sum0 += Vector.AsVectorInt32(part0) * w;
                    sum1 += Vector.AsVectorInt32(part1) * w;
                    sum2 += Vector.AsVectorInt32(part2) * w;
                    sum3 += Vector.AsVectorInt32(part3) * w;
                }

                var lowHalf = Vector.Narrow(Clip8(sum0), Clip8(sum1));
                var highHalf = Vector.Narrow(Clip8(sum2), Clip8(sum3));
                Vector.Narrow(Vector.AsVectorUInt16(lowHalf), Vector.AsVectorUInt16(highHalf))
                    .CopyTo(destinationRow.Slice(offset, vectorBytes));
            }

            for (; offset < stride; offset++)
            {
                int sum = RoundingBias;
                for (int i = 0; i < k.Length; i++)
                {
                    sum += source[((start + i) * stride) + offset] * k[i];
                }

                destinationRow[offset] = Clip8(sum);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clip8(int sum)
    {
        int value = sum >> PrecisionBits;
        return (uint)value <= 255 ? (byte)value : value < 0 ? (byte)0 : (byte)255;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<int> Clip8(Vector<int> sum) =>
        Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(sum, PrecisionBits), Vector<int>.Zero), new Vector<int>(255));

    /// <summary>
    /// Pillow's <c>precompute_coeffs</c> followed by <c>normalize_coeffs_8bpc</c> for one axis: for each output
    /// position, the first input position it reads, how many it reads, and their fixed-point weights.
    /// </summary>
    private readonly struct ResampleKernel : IDisposable
    {
        private readonly int[] _bounds;
        private readonly int[] _weights;
        private readonly int _outputSize;

        private ResampleKernel(int[] bounds, int[] weights, int outputSize, int size)
        {
            _bounds = bounds;
            _weights = weights;
            _outputSize = outputSize;
            Size = size;
        }

        /// <summary>Stride between the weight runs of consecutive output positions.</summary>
        public int Size { get; }

        public ReadOnlySpan<int> Weights => _weights.AsSpan(0, _outputSize * Size);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Start(int output) => _bounds[output * 2];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Count(int output) => _bounds[(output * 2) + 1];

        public static ResampleKernel Create(int inputSize, int outputSize)
        {
            // Pillow takes the scale from a float box (0, inputSize); both are exact in double.
            double scale = (double)inputSize / outputSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = BilinearSupport * filterScale;
            // Pillow's window size; no window reads more than the whole input axis, which bounds memory
            // for extreme downscales.
            int size = Math.Min(((int)Math.Ceiling(support) * 2) + 1, inputSize);

            int[] bounds = ArrayPool<int>.Shared.Rent(outputSize * 2);
            int[] weights = ArrayPool<int>.Shared.Rent(outputSize * size);
            double[] raw = ArrayPool<double>.Shared.Rent(size);
            try
            {
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

                    Span<int> fixedPoint = weights.AsSpan(output * size, size);
                    for (int i = 0; i < count; i++)
                    {
                        double w = total != 0.0 ? raw[i] / total : raw[i];
                        fixedPoint[i] = w < 0
                            ? (int)(-0.5 + (w * (1 << PrecisionBits)))
                            : (int)(0.5 + (w * (1 << PrecisionBits)));
                    }

                    fixedPoint[count..].Clear();
                    bounds[output * 2] = start;
                    bounds[(output * 2) + 1] = count;
                }

                return new ResampleKernel(bounds, weights, outputSize, size);
            }
            catch
            {
                ArrayPool<int>.Shared.Return(bounds);
                ArrayPool<int>.Shared.Return(weights);
                throw;
            }
            finally
            {
                ArrayPool<double>.Shared.Return(raw);
            }
        }

        private static double Triangle(double x)
        {
            if (x < 0.0)
            {
                x = -x;
            }

            return x < 1.0 ? 1.0 - x : 0.0;
        }

        public void Dispose()
        {
            ArrayPool<int>.Shared.Return(_bounds);
            ArrayPool<int>.Shared.Return(_weights);
        }
    }
}
