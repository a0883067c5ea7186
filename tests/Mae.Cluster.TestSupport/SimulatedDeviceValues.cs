using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Mae.Cluster.TestSupport;

/// <summary>
/// The values a simulated device writes for an image, computed here from docs/simulated-devices.md rather than with
/// the product's code, so a test compares the output against the documented function: seed = first 8 bytes of
/// SHA-256(bytes), little-endian; value i of stream s = (SplitMix64(seed + s·2^32 + i) &gt;&gt; 40) / 2^24.
/// </summary>
public static class SimulatedDeviceValues
{
    public static float[] Cls(byte[] image, int hidden) => Signed(image, stream: 0, hidden);

    public static float[] Mean(byte[] image, int hidden) => Signed(image, stream: 1, hidden);

    public static float Loss(byte[] image) => Unit(Seed(image), 3, 0);

    private static float[] Signed(byte[] image, int stream, int count)
    {
        var seed = Seed(image);
        return [.. Enumerable.Range(0, count).Select(i => (2 * Unit(seed, stream, i)) - 1)];
    }

    private static ulong Seed(byte[] image) => BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(image));

    private static float Unit(ulong seed, int stream, int index)
    {
        var z = seed + ((ulong)stream << 32) + (ulong)index + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 40) / 16777216f;
    }
}
