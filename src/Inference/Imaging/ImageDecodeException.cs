namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// An image that cannot be turned into pixels. This is a per-image failure with a reason a person can read,
/// never a reason to stop a batch.
/// </summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException()
        : this(ImageDecodeFailure.Corrupt, "image could not be decoded")
    {
    }

    public ImageDecodeException(string message)
        : this(ImageDecodeFailure.Corrupt, message)
    {
    }

    public ImageDecodeException(string message, Exception innerException)
        : this(ImageDecodeFailure.Corrupt, message, innerException)
    {
    }

    public ImageDecodeException(ImageDecodeFailure failure, string reason, Exception? innerException = null)
        : base(reason, innerException)
    {
        Failure = failure;
        Reason = reason;
    }

    /// <summary>The category of failure, for counting and for tests.</summary>
    public ImageDecodeFailure Failure { get; }

    /// <summary>What is wrong with the image, e.g. "truncated JPEG: no end-of-image marker".</summary>
    public string Reason { get; }
}
