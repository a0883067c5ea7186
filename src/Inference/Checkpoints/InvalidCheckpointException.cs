namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// A checkpoint file is missing, malformed or describes a model this system cannot run.
/// The message names the file and the field or tensor at fault.
/// </summary>
public sealed class InvalidCheckpointException : Exception
{
    public InvalidCheckpointException()
    {
    }

    public InvalidCheckpointException(string message)
        : base(message)
    {
    }

    public InvalidCheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InvalidCheckpointException(string message, string filePath, string? subject, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        Subject = subject;
    }

    /// <summary>The file at fault, when one is.</summary>
    public string? FilePath { get; }

    /// <summary>The JSON field or tensor name at fault, when one is.</summary>
    public string? Subject { get; }
}
