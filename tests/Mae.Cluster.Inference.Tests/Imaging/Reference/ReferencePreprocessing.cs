using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Imaging.Reference;

/// <summary>
/// What <c>ImagePreprocessor.Preprocess(RgbImage, …)</c> computed before the fused resize (issue 12), frozen: the
/// frozen Pillow resize to the model size, then a 3 × 256 table of Hugging Face's rescale and normalize in its
/// precisions, written channel-major.
/// </summary>
internal static class ReferencePreprocessing
{
    public static float[] Preprocess(PreprocessorConfig config, ReadOnlySpan<byte> rgb, int width, int height)
    {
        int outWidth = config.Width, outHeight = config.Height, plane = outWidth * outHeight;
        var resized = new byte[plane * 3];
        ReferencePilResize.Resize(rgb, width, height, resized, outWidth, outHeight);
        float[] table = ValueTable(config);
        var chw = new float[plane * 3];
        for (int i = 0; i < plane; i++)
        {
            chw[i] = table[resized[(i * 3) + 0]];
            chw[plane + i] = table[256 + resized[(i * 3) + 1]];
            chw[(2 * plane) + i] = table[512 + resized[(i * 3) + 2]];
        }

        return chw;
    }

    private static float[] ValueTable(PreprocessorConfig config)
    {
        var table = new float[3 * 256];
        for (int channel = 0; channel < 3; channel++)
        {
            float mean = config.ImageMean[channel], std = config.ImageStd[channel];
            for (int value = 0; value < 256; value++)
            {
                float x = config.DoRescale ? (float)(value * config.RescaleFactor) : value;
                table[(channel * 256) + value] = config.DoNormalize ? (x - mean) / std : x;
            }
        }

        return table;
    }
}
