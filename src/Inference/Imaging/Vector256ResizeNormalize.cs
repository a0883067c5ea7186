using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// <see cref="PilResize"/> and <see cref="PixelNormalization"/> in one go, eight values per instruction: the same
/// Pillow kernels, the same integer sums, the same rounding and clipping after each pass, so the floats written are
/// identical to resizing with <see cref="PilResize"/> and normalizing each byte (the tests compare every element).
/// </summary>
/// <remarks>
/// The horizontal pass splits each source row into planes and computes eight output pixels of one plane at a time,
/// each from a vector of its taps (weights padded with zeros to whole vectors), summed across lanes; its 8-bit results
/// go to planar rows, where every output of the vertical pass is the same weighted sum of rows, so that pass runs
/// along the row with broadcast weights and hands its clipped values straight to the normalization, which writes the
/// model's channel-major floats. Nothing is written twice, and the scratch rows are kept per thread.
/// </remarks>
internal static unsafe class Vector256ResizeNormalize
{
    private const int Lanes = 8;

    /// <summary>
    /// Scratch up to this size stays with its thread for the next image; larger (only very tall inputs need it) is
    /// rented for one image, so a thread never holds tens of megabytes for the rest of its life.
    /// </summary>
    private const int RetainedScratchBytes = 4 << 20;

    [ThreadStatic]
    private static byte[]? _threadScratch;

    /// <summary>Whether this machine runs the vector path, and <paramref name="outputWidth"/> fills a vector.</summary>
    public static bool Supports(int outputWidth) => Vector256.IsHardwareAccelerated && outputWidth >= Lanes;

    /// <summary>
    /// Resizes interleaved RGB <paramref name="source"/> to <paramref name="width"/> × <paramref name="height"/> and
    /// writes its normalized planes to <paramref name="destinationChw"/>. The caller checks the sizes.
    /// </summary>
    public static void Run(ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight,
        int width, int height, PixelNormalization normalization, Span<float> destinationChw)
    {
        if (sourceWidth == width && sourceHeight == height)
        {
            Normalize(source, width, height, normalization, destinationChw);
            return;
        }

        // A same-size axis gets Pillow's own kernel, which is the identity (weights 1 and 0), so the passes Pillow
        // skips there change nothing here.
        var horizontal = PilBilinearKernel.For(sourceWidth, width);
        var vertical = PilBilinearKernel.For(sourceHeight, height);
        int firstRow = vertical.Start(0);
        int rows = vertical.Start(height - 1) + vertical.Count(height - 1) - firstRow;
        // Tap vectors start anywhere up to the row's last pixel and run a padded kernel window beyond it.
        int planeStride = sourceWidth + horizontal.Stride;
        int planesLength = PixelNormalization.Channels * planeStride;
        int scratchLength = planesLength + (PixelNormalization.Channels * rows * width);

        byte[]? rented = null;
        byte[] scratch = scratchLength <= RetainedScratchBytes
            ? (_threadScratch is { } kept && kept.Length >= scratchLength ? kept : _threadScratch = new byte[scratchLength])
            : rented = ArrayPool<byte>.Shared.Rent(scratchLength);
        try
        {
            fixed (byte* sourcePointer = source)
            fixed (byte* scratchPointer = scratch)
            fixed (float* destination = destinationChw)
            {
                byte* intermediate = scratchPointer + planesLength;
                HorizontalPass(sourcePointer, sourceWidth, firstRow, rows, scratchPointer, planeStride, intermediate, width, horizontal);
                VerticalPass(intermediate, rows, firstRow, width, height, vertical, normalization, destination);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>An image already at the model size: Pillow copies it, so only the normalization remains.</summary>
    private static void Normalize(ReadOnlySpan<byte> source, int width, int height, PixelNormalization normalization, Span<float> destinationChw)
    {
        int planeStride = width + Lanes;
        byte[] scratch = _threadScratch is { } kept && kept.Length >= 3 * planeStride ? kept : _threadScratch = new byte[3 * planeStride];
        nint planeSize = (nint)width * height;
        fixed (byte* sourcePointer = source)
        fixed (byte* planes = scratch)
        fixed (float* destination = destinationChw)
        {
            for (int y = 0; y < height; y++)
            {
                SplitChannels(sourcePointer + ((nint)y * width * 3), width, planes, planeStride);
                for (int channel = 0; channel < PixelNormalization.Channels; channel++)
                {
                    byte* plane = planes + (channel * planeStride);
                    float* output = destination + (channel * planeSize) + ((nint)y * width);
                    for (int block = 0; ; block += Lanes)
                    {
                        int x = Math.Min(block, width - Lanes);
                        normalization.Apply(channel, WidenBytes(plane + x)).Store(output + x);
                        if (x + Lanes >= width)
                        {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Source rows [firstRow, firstRow + rows) become rows 0.. of three planar byte images of width <paramref name="width"/>.</summary>
    private static void HorizontalPass(byte* source, int sourceWidth, int firstRow, int rows,
        byte* planes, int planeStride, byte* intermediate, int width, PilBilinearKernel kernel)
    {
        int chunks = kernel.Stride / Lanes;
        int stride = kernel.Stride;
        fixed (int* weights = kernel.Weights)
        fixed (int* bounds = kernel.Bounds)
        {
            for (int row = 0; row < rows; row++)
            {
                SplitChannels(source + ((nint)(firstRow + row) * sourceWidth * 3), sourceWidth, planes, planeStride);
                for (int channel = 0; channel < PixelNormalization.Channels; channel++)
                {
                    byte* plane = planes + (channel * planeStride);
                    byte* output = intermediate + ((((nint)channel * rows) + row) * width);
                    for (int block = 0; ; block += Lanes)
                    {
                        // The last block is moved back to end at the row's end; its overlap is computed twice, alike.
                        int x = Math.Min(block, width - Lanes);
                        int* w = weights + ((nint)x * stride);
                        int* b = bounds + (x * 2);
                        Vector256<int> sums = chunks == 1 ? SumOfSingleVectorTaps(plane, b, w) : SumOfTaps(plane, b, w, stride, chunks);
                        StoreBytes(Clip8(sums + Vector256.Create(PilBilinearKernel.RoundingBias)), output + x);
                        if (x + Lanes >= width)
                        {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Output rows of the planar intermediate, normalized into the channel-major destination.</summary>
    private static void VerticalPass(byte* intermediate, int rows, int firstRow, int width, int height,
        PilBilinearKernel kernel, PixelNormalization normalization, float* destination)
    {
        int stride = kernel.Stride;
        nint planeSize = (nint)width * height;
        fixed (int* weights = kernel.Weights)
        {
            for (int y = 0; y < height; y++)
            {
                int start = kernel.Start(y) - firstRow;
                int count = kernel.Count(y);
                int* w = weights + ((nint)y * stride);
                for (int channel = 0; channel < PixelNormalization.Channels; channel++)
                {
                    byte* top = intermediate + ((((nint)channel * rows) + start) * width);
                    float* output = destination + (channel * planeSize) + ((nint)y * width);
                    for (int block = 0; ; block += Lanes)
                    {
                        int x = Math.Min(block, width - Lanes);
                        Vector256<int> sum = Vector256.Create(PilBilinearKernel.RoundingBias);
                        byte* pixel = top + x;
                        for (int i = 0; i < count; i++, pixel += width)
                        {
                            sum += WidenBytes(pixel) * Vector256.Create(w[i]);
                        }

                        normalization.Apply(channel, Clip8(sum)).Store(output + x);
                        if (x + Lanes >= width)
                        {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Eight outputs whose taps fit one vector each (windows up to eight pixels: downscales up to about 3.5×, the
    /// common case), with every offset a constant, which roughly halves the instructions of the general case.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SumOfSingleVectorTaps(byte* plane, int* bounds, int* weights) =>
        SumAcrossLanes(
            WidenBytes(plane + bounds[0]) * Vector256.Load(weights),
            WidenBytes(plane + bounds[2]) * Vector256.Load(weights + Lanes),
            WidenBytes(plane + bounds[4]) * Vector256.Load(weights + (2 * Lanes)),
            WidenBytes(plane + bounds[6]) * Vector256.Load(weights + (3 * Lanes)),
            WidenBytes(plane + bounds[8]) * Vector256.Load(weights + (4 * Lanes)),
            WidenBytes(plane + bounds[10]) * Vector256.Load(weights + (5 * Lanes)),
            WidenBytes(plane + bounds[12]) * Vector256.Load(weights + (6 * Lanes)),
            WidenBytes(plane + bounds[14]) * Vector256.Load(weights + (7 * Lanes)));

    /// <summary>Eight outputs of wider windows, a vector of taps at a time for all eight.</summary>
    private static Vector256<int> SumOfTaps(byte* plane, int* bounds, int* weights, int stride, int chunks)
    {
        byte* p0 = plane + bounds[0], p1 = plane + bounds[2], p2 = plane + bounds[4], p3 = plane + bounds[6];
        byte* p4 = plane + bounds[8], p5 = plane + bounds[10], p6 = plane + bounds[12], p7 = plane + bounds[14];
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            int offset = chunk * Lanes;
            int* w = weights + offset;
            a0 += WidenBytes(p0 + offset) * Vector256.Load(w);
            a1 += WidenBytes(p1 + offset) * Vector256.Load(w + stride);
            a2 += WidenBytes(p2 + offset) * Vector256.Load(w + (2 * stride));
            a3 += WidenBytes(p3 + offset) * Vector256.Load(w + (3 * stride));
            a4 += WidenBytes(p4 + offset) * Vector256.Load(w + (4 * stride));
            a5 += WidenBytes(p5 + offset) * Vector256.Load(w + (5 * stride));
            a6 += WidenBytes(p6 + offset) * Vector256.Load(w + (6 * stride));
            a7 += WidenBytes(p7 + offset) * Vector256.Load(w + (7 * stride));
        }

        return SumAcrossLanes(a0, a1, a2, a3, a4, a5, a6, a7);
    }

    /// <summary>The lane sums of eight vectors, as one vector in their order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SumAcrossLanes(
        Vector256<int> a0, Vector256<int> a1, Vector256<int> a2, Vector256<int> a3,
        Vector256<int> a4, Vector256<int> a5, Vector256<int> a6, Vector256<int> a7)
    {
        if (Avx2.IsSupported)
        {
            // Two rounds of pairwise adds leave, per 128-bit half, the sums of a0..a3 (a4..a7) over that half's
            // lanes; adding the halves finishes them.
            Vector256<int> first = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a0, a1), Avx2.HorizontalAdd(a2, a3));
            Vector256<int> second = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a4, a5), Avx2.HorizontalAdd(a6, a7));
            return Avx2.Permute2x128(first, second, 0x20) + Avx2.Permute2x128(first, second, 0x31);
        }

        return Vector256.Create(
            Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3),
            Vector256.Sum(a4), Vector256.Sum(a5), Vector256.Sum(a6), Vector256.Sum(a7));
    }

    /// <summary>Eight bytes as eight ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> WidenBytes(byte* pixels)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.ConvertToVector256Int32(pixels);
        }

        Vector128<ushort> words = Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(pixels)).AsByte());
        return Vector256.WidenLower(words.ToVector256Unsafe()).AsInt32();
    }

    /// <summary>Pillow's <c>clip8</c>: drop the fraction, clamp to 0..255.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Clip8(Vector256<int> sum) =>
        Vector256.Min(Vector256.Max(Vector256.ShiftRightArithmetic(sum, PilBilinearKernel.PrecisionBits), Vector256<int>.Zero), Vector256.Create(255));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBytes(Vector256<int> values, byte* destination)
    {
        Vector128<short> words = Vector128.Narrow(values.GetLower(), values.GetUpper());
        Vector128<byte> bytes = Vector128.Narrow(words.AsUInt16(), words.AsUInt16());
        Unsafe.WriteUnaligned(destination, bytes.AsUInt64().ToScalar());
    }

    /// <summary>R,G,B,R,G,B… → three planes, sixteen pixels per round of byte shuffles.</summary>
    private static void SplitChannels(byte* rgb, int pixels, byte* planes, int planeStride)
    {
        byte* red = planes, green = planes + planeStride, blue = planes + (2 * planeStride);
        int x = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            // Index 0xFF is out of range, which Shuffle turns into 0, so the three shuffles of a channel can be ORed.
            var redA = Vector128.Create((byte)0, 3, 6, 9, 12, 15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
            var redB = Vector128.Create((byte)0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 2, 5, 8, 11, 14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
            var redC = Vector128.Create((byte)0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 4, 7, 10, 13);
            var greenA = Vector128.Create((byte)1, 4, 7, 10, 13, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
            var greenB = Vector128.Create((byte)0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 3, 6, 9, 12, 15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
            var greenC = Vector128.Create((byte)0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 2, 5, 8, 11, 14);
            var blueA = Vector128.Create((byte)2, 5, 8, 11, 14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
            var blueB = Vector128.Create((byte)0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 4, 7, 10, 13, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
            var blueC = Vector128.Create((byte)0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 3, 6, 9, 12, 15);
            for (; x + 16 <= pixels; x += 16)
            {
                byte* p = rgb + (x * 3);
                Vector128<byte> a = Vector128.Load(p), b = Vector128.Load(p + 16), c = Vector128.Load(p + 32);
                (Vector128.Shuffle(a, redA) | Vector128.Shuffle(b, redB) | Vector128.Shuffle(c, redC)).Store(red + x);
                (Vector128.Shuffle(a, greenA) | Vector128.Shuffle(b, greenB) | Vector128.Shuffle(c, greenC)).Store(green + x);
                (Vector128.Shuffle(a, blueA) | Vector128.Shuffle(b, blueB) | Vector128.Shuffle(c, blueC)).Store(blue + x);
            }
        }

        for (; x < pixels; x++)
        {
            red[x] = rgb[x * 3];
            green[x] = rgb[(x * 3) + 1];
            blue[x] = rgb[(x * 3) + 2];
        }
    }
}
