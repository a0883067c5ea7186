using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Mae.Cluster.Inference.Simulation;

/// <summary>
/// A simulated device's results as a function of an image's bytes alone, so a reader can tell from an output that every
/// image was written exactly once and with its own values (docs/simulated-devices.md).
/// <para>
/// seed = the first 8 bytes of SHA-256(image bytes) as a little-endian uint64. Value <c>i</c> of stream <c>s</c> is
/// <c>u = SplitMix64(seed + s·2^32 + i)</c>, taken as <c>(u &gt;&gt; 40) / 2^24</c>, in [0, 1): streams 0 (CLS embedding),
/// 1 (mean embedding) and 2 (hidden states) map it to <c>2·v − 1</c> in [−1, 1); stream 3 value 0 is the loss, in
/// [0, 1). 24 bits fit a float32 exactly, so the values read back bit for bit.
/// </para>
/// </summary>
public static class SimulatedEmbeddings
{
    public const int ClsStream = 0;
    public const int MeanStream = 1;
    public const int HiddenStatesStream = 2;
    public const int LossStream = 3;

    public static ulong Seed(ReadOnlySpan<byte> image)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(image, digest);
        return BinaryPrimitives.ReadUInt64LittleEndian(digest);
    }

    /// <summary>Fills <paramref name="values"/> with stream <paramref name="stream"/>'s values in [−1, 1).</summary>
    public static void Fill(ulong seed, int stream, Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (2 * Unit(seed, stream, i)) - 1;
        }
    }

    public static float[] Values(ulong seed, int stream, int count)
    {
        var values = new float[count];
        Fill(seed, stream, values);
        return values;
    }

    public static float Loss(ulong seed) => Unit(seed, LossStream, 0);

    private static float Unit(ulong seed, int stream, int index) =>
        (SplitMix64(seed + ((ulong)stream << 32) + (ulong)index) >> 40) / 16777216f;

    /// <summary>Steele, Lea and Flood's SplitMix64 finaliser (the one java.util.SplittableRandom uses).</summary>
    private static ulong SplitMix64(ulong x)
    {
        var z = x + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
