using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mae.Cluster.Inference.Masking;

/// <summary>
/// The random mask of an image as a pure function of (seed, image key): the same image, key and seed give the
/// same mask and loss on any batch, thread, silo or retry.
/// <para>
/// noise[j] = (first 8 bytes of SHA-256(UTF-8 "mae-mask/v1/{seed}/{j}/{key}") as a little-endian uint64 &gt;&gt; 11) / 2^53,
/// a double in [0, 1). Then, as Hugging Face's ViTMAE: ids_shuffle = stable argsort(noise) ascending,
/// the first int(L·(1 − mask_ratio)) are kept, ids_restore = argsort(ids_shuffle), and mask[j] = 1 for a removed patch.
/// docs/masking.md has a Python snippet that reproduces it.
/// </para>
/// </summary>
public static class PatchMasking
{
    public const string Scheme = "mae-mask/v1";

    public static double[] Noise(long seed, string key, int patches)
    {
        ArgumentNullException.ThrowIfNull(key);
        var noise = new double[patches];
        var prefix = $"{Scheme}/{seed.ToString(CultureInfo.InvariantCulture)}/";
        Span<byte> digest = stackalloc byte[32];
        for (var j = 0; j < patches; j++)
        {
            var message = Encoding.UTF8.GetBytes($"{prefix}{j.ToString(CultureInfo.InvariantCulture)}/{key}");
            SHA256.HashData(message, digest);
            noise[j] = (BinaryPrimitives.ReadUInt64LittleEndian(digest) >> 11) / 9007199254740992.0;
        }
        return noise;
    }

    /// <summary>Patches kept by the encoder at a mask ratio: int(L·(1 − ratio)), as Hugging Face computes it.</summary>
    public static int KeptCount(int patches, double maskRatio) => (int)(patches * (1 - maskRatio));

    /// <summary>
    /// Fills the graph's masking inputs from a noise vector: <paramref name="idsKeep"/> (kept count),
    /// <paramref name="idsRestore"/> and <paramref name="mask"/> (one per patch).
    /// </summary>
    public static void FromNoise(ReadOnlySpan<double> noise, double maskRatio, Span<long> idsKeep, Span<long> idsRestore, Span<float> mask)
    {
        var patches = noise.Length;
        var kept = KeptCount(patches, maskRatio);
        if (idsKeep.Length != kept || idsRestore.Length != patches || mask.Length != patches)
        {
            throw new ArgumentException($"Masking buffers must hold {kept} kept ids and {patches} restore ids and mask values.");
        }
        var shuffle = new int[patches];
        for (var i = 0; i < patches; i++)
        {
            shuffle[i] = i;
        }
        // Stable, like numpy/torch argsort on distinct values; ties (practically impossible) keep patch order.
        var keys = noise.ToArray();
        Array.Sort(keys, shuffle);
        StableTies(keys, shuffle);
        for (var rank = 0; rank < patches; rank++)
        {
            idsRestore[shuffle[rank]] = rank;
            mask[shuffle[rank]] = rank < kept ? 0f : 1f;
            if (rank < kept)
            {
                idsKeep[rank] = shuffle[rank];
            }
        }
    }

    private static void StableTies(double[] sortedKeys, int[] ids)
    {
        var start = 0;
        for (var i = 1; i <= sortedKeys.Length; i++)
        {
            if (i == sortedKeys.Length || sortedKeys[i] != sortedKeys[start])
            {
                Array.Sort(ids, start, i - start);
                start = i;
            }
        }
    }
}
