namespace Mae.Cluster.Client.Cluster;

/// <summary>No gateway of the configured cluster answered: a failure (exit code 1), not a refused request.</summary>
public sealed class ClusterUnreachableException : Exception
{
    public ClusterUnreachableException(string message) : base(message) { }

    public ClusterUnreachableException(string message, Exception inner) : base(message, inner) { }

    public ClusterUnreachableException() { }
}
