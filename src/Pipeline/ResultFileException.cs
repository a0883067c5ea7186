namespace Mae.Cluster.Pipeline;

/// <summary>A shard's result file did not read back as written, so the shard was not committed (the attempt can be retried).</summary>
public sealed class ResultFileException : IOException
{
    public ResultFileException(string path, string problem)
        : base($"{path} did not read back as written: {problem}. The shard was not committed.")
    {
        Path = path;
    }

    public ResultFileException()
    {
        Path = "";
    }

    public ResultFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = "";
    }

    /// <summary>The file's path in the output.</summary>
    public string Path { get; }
}
