namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// A shard-level failure: the input is not a tar archive, or its structure is broken (a header with a bad
/// checksum, a header cut short, a malformed PAX record, corrupt gzip data). Reading stops here; every sample
/// before the fault has already been yielded, and <see cref="SamplesRead"/> says how many.
/// It is deliberately not an <see cref="IOException"/>: downloading the shard again will not help.
/// </summary>
public sealed class TarFormatException : Exception
{
    public TarFormatException()
    {
    }

    public TarFormatException(string message)
        : base(message)
    {
    }

    public TarFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TarFormatException(string message, long byteOffset, int samplesRead, Exception? innerException = null)
        : base(message, innerException)
    {
        ByteOffset = byteOffset;
        SamplesRead = samplesRead;
    }

    /// <summary>Offset of the fault in the (decompressed) tar stream.</summary>
    public long ByteOffset { get; }

    /// <summary>How many samples (good or failed) were yielded before the fault.</summary>
    public int SamplesRead { get; }
}
