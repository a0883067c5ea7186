namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>
/// numpy's legacy <c>RandomState(seed)</c> stream: MT19937 seeded with <c>init_genrand(seed)</c> (what numpy does
/// for an integer seed), and <c>random_sample</c>/<c>uniform(0, 1)</c> as 53-bit doubles. It exists so that tests can
/// reproduce Hugging Face's <c>np.random.seed(2); np.random.uniform(size=(1, 196))</c> noise exactly, and so that a
/// numpy script can regenerate the same random weights as <see cref="RandomMaeCheckpoint"/>.
/// </summary>
public sealed class NumpyMt19937
{
    private const int StateSize = 624;
    private const int ShiftSize = 397;
    private const uint MatrixA = 0x9908b0dfu;
    private const uint UpperMask = 0x80000000u;
    private const uint LowerMask = 0x7fffffffu;

    private readonly uint[] _state = new uint[StateSize];
    private int _next;

    public NumpyMt19937(uint seed)
    {
        _state[0] = seed;
        for (var i = 1; i < StateSize; i++)
        {
            var previous = _state[i - 1];
            _state[i] = unchecked((1812433253u * (previous ^ (previous >> 30))) + (uint)i);
        }

        _next = StateSize;
    }

    /// <summary>The next raw 32-bit output (<c>genrand_int32</c>).</summary>
    public uint NextUInt32()
    {
        if (_next >= StateSize)
        {
            Regenerate();
        }

        var y = _state[_next++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>numpy's <c>random_sample()</c>: a double in [0, 1) built from 27 + 26 random bits.</summary>
    public double NextDouble()
    {
        var a = NextUInt32() >> 5;
        var b = NextUInt32() >> 6;
        return ((a * 67108864.0) + b) / 9007199254740992.0;
    }

    /// <summary>numpy's <c>uniform(size=count)</c> with the default bounds [0, 1).</summary>
    public double[] Uniform(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = NextDouble();
        }

        return values;
    }

    private void Regenerate()
    {
        for (var i = 0; i < StateSize; i++)
        {
            var y = (_state[i] & UpperMask) | (_state[(i + 1) % StateSize] & LowerMask);
            var mixed = _state[(i + ShiftSize) % StateSize] ^ (y >> 1);
            _state[i] = (y & 1u) == 0 ? mixed : mixed ^ MatrixA;
        }

        _next = 0;
    }
}
