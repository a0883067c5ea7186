namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>Byte-image differences, for asserting and for reporting.</summary>
internal static class PixelComparison
{
    public static double MeanAbsoluteDifference(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        long total = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            total += Math.Abs(actual[i] - expected[i]);
        }

        return (double)total / actual.Length;
    }

    public static int MaxAbsoluteDifference(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        int max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }

        return max;
    }

    /// <summary>Asserts byte equality, naming the first differing pixel rather than dumping arrays.</summary>
    public static void AssertIdentical(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, int width, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatches = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }

        if (mismatches > 0)
        {
            int pixel = first / 3;
            Assert.Fail($"{what}: {mismatches} of {expected.Length} bytes differ; first at x={pixel % width}, " +
                $"y={pixel / width}, channel {first % 3}: expected {expected[first]}, got {actual[first]}");
        }
    }
}
