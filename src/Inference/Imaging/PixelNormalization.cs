using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Hugging Face's rescale and normalize of one 8-bit value, in its precisions: the rescale multiplies in float64 and
/// rounds to float32, the normalize subtracts and divides in float32 with mean and std rounded to float32. A disabled
/// step becomes its identity (× 1.0, − 0, ÷ 1), which gives the same floats as skipping it, so one formula serves
/// every configuration, scalar or vector.
/// </summary>
internal sealed class PixelNormalization
{
    public const int Channels = 3;

    private readonly double _rescale;
    private readonly float[] _mean;
    private readonly float[] _std;

    public PixelNormalization(PreprocessorConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _rescale = config.DoRescale ? config.RescaleFactor : 1.0;
        _mean = config.DoNormalize ? [.. config.ImageMean] : [0f, 0f, 0f];
        _std = config.DoNormalize ? [.. config.ImageStd] : [1f, 1f, 1f];
    }

    public float Apply(int channel, int value) => ((float)(value * _rescale) - _mean[channel]) / _std[channel];

    /// <summary>
    /// <see cref="Apply"/> on eight values 0..255 at once. Every step is the same IEEE operation in the same
    /// precision as the scalar one (int → float and float → double are exact), so the floats are identical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(int channel, Vector256<int> values)
    {
        (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(Vector256.ConvertToSingle(values));
        var scale = Vector256.Create(_rescale);
        Vector256<float> rescaled = Vector256.Narrow(lower * scale, upper * scale);
        return (rescaled - Vector256.Create(_mean[channel])) / Vector256.Create(_std[channel]);
    }

    /// <summary>The float for every (channel, value) pair, for paths that look values up instead.</summary>
    public float[] ValueTable()
    {
        var table = new float[Channels * 256];
        for (int channel = 0; channel < Channels; channel++)
        {
            for (int value = 0; value < 256; value++)
            {
                table[(channel * 256) + value] = Apply(channel, value);
            }
        }

        return table;
    }
}
