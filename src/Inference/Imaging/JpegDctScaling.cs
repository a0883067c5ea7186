namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// The DCT-domain scale <see cref="ImageDecodeMode.LibjpegTurboDctScaled"/> decodes a JPEG at: libjpeg-turbo scales by M/8 while
/// decoding, producing ⌈size·M/8⌉ pixels a side; of 1/8, 1/4, 1/2 and 1 the smallest whose output still covers the
/// target on both sides is taken, so the Pillow resize that follows only ever shrinks or keeps the size.
/// </summary>
public static class JpegDctScaling
{
    /// <summary>Scale denominators libjpeg-turbo decodes with fast IDCTs, largest reduction first.</summary>
    private static readonly int[] Denominators = [8, 4, 2];

    /// <summary>
    /// The denominator d (1, 2, 4 or 8) to decode <paramref name="original"/> at 1/d for a
    /// <paramref name="targetWidth"/> × <paramref name="targetHeight"/> model input.
    /// </summary>
    public static int Denominator(ImageDimensions original, int targetWidth, int targetHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetHeight);
        foreach (int denominator in Denominators)
        {
            ImageDimensions scaled = Scaled(original, denominator);
            if (scaled.Width >= targetWidth && scaled.Height >= targetHeight)
            {
                return denominator;
            }
        }

        return 1;
    }

    /// <summary>The size libjpeg-turbo decodes <paramref name="original"/> to at scale 1/<paramref name="denominator"/>.</summary>
    public static ImageDimensions Scaled(ImageDimensions original, int denominator)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(denominator);
        return new ImageDimensions(CeilingDivide(original.Width, denominator), CeilingDivide(original.Height, denominator));
    }

    private static int CeilingDivide(int value, int divisor) => (int)(((long)value + divisor - 1) / divisor);
}
