namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Raised by the tar layer, which does not know how many samples were yielded; the WebDataset layer turns it
/// into a <see cref="TarFormatException"/> that does.
/// </summary>
internal sealed class CorruptTarException : Exception
{
    public CorruptTarException()
    {
    }

    public CorruptTarException(string message)
        : base(message)
    {
    }

    public CorruptTarException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CorruptTarException(string message, long byteOffset, Exception? innerException = null)
        : base(message, innerException)
    {
        ByteOffset = byteOffset;
    }

    public long ByteOffset { get; }
}
