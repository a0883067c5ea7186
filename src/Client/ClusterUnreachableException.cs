namespace Mae.Cluster.Client;

/// <summary>No gateway of the configured cluster answered: a failure (exit code 1), not a refused request.</summary>
public sealed class ClusterUnreachableException : Exception
{
    /// <summary>A ClusterUnreachableException saying <paramref name="message"/>.</summary>
    public ClusterUnreachableException(string message) : base(message) { }

    /// <summary>A ClusterUnreachableException saying <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public ClusterUnreachableException(string message, Exception inner) : base(message, inner) { }

    /// <summary>A ClusterUnreachableException with the default message.</summary>
    public ClusterUnreachableException() { }
}
