namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// Steele, Lea and Flood's SplitMix64 generator (the seeding generator of xoshiro): a 64-bit counter stepped by
/// the golden-ratio constant, passed through a fixed mixing function. Its output depends on nothing but the
/// start state, on every platform and runtime, unlike <see cref="Random"/>.
/// </summary>
internal struct SplitMix64(ulong state)
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;

    private ulong _state = state;

    public ulong Next()
    {
        _state += GoldenGamma;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [−<paramref name="bound"/>, <paramref name="bound"/>).</summary>
    public double NextSymmetric(double bound) => ((2 * NextDouble()) - 1) * bound;

    /// <summary>SplitMix64's output function: a bijective avalanche mix of 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
