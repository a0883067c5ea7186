namespace Mae.Cluster.Inference.Imaging;

/// <summary>The header check the libjpeg-turbo paths make before decoding; ImageDecoder words the refusal.</summary>
internal static class ImageDecodeLimitsChecks
{
    /// <summary>Whether an image of <paramref name="size"/> may be decoded under <paramref name="limits"/>.</summary>
    public static bool Allows(this ImageDecodeLimits limits, ImageDimensions size) =>
        size.Width > 0 && size.Height > 0
        && size.Width <= limits.MaxDimension && size.Height <= limits.MaxDimension
        && (long)size.Width * size.Height <= limits.MaxPixels;
}
