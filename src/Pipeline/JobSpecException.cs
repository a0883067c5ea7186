namespace Mae.Cluster.Pipeline;

/// <summary>A job refused before any work: the message says what is wrong with its spec.</summary>
public sealed class JobSpecException : Exception
{
    public JobSpecException(string message) : base(message) { }

    public JobSpecException(string message, Exception inner) : base(message, inner) { }

    public JobSpecException() { }
}
