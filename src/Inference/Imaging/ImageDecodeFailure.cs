namespace Mae.Cluster.Inference.Imaging;

/// <summary>Why an image could not be decoded; the exception's reason says it in words.</summary>
public enum ImageDecodeFailure
{
    /// <summary>Zero bytes.</summary>
    Empty,

    /// <summary>Not a known image format at all (random bytes, text, an archive, ...).</summary>
    NotAnImage,

    /// <summary>A recognised image or document format that this decoder does not read (PDF, SVG, HEIC, ...).</summary>
    UnsupportedFormat,

    /// <summary>The data stops before the image does.</summary>
    Truncated,

    /// <summary>The data is damaged or uses a variant the decoder rejects.</summary>
    Corrupt,

    /// <summary>Encoded size, width, height or pixel count is beyond <see cref="ImageDecodeLimits"/>.</summary>
    TooLarge,
}
