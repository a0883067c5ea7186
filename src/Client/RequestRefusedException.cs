namespace Mae.Cluster.Client;

/// <summary>A refusal the user can act on: printed as one line, exit code 2, no stack trace.</summary>
public sealed class RequestRefusedException : Exception
{
    /// <summary>A RequestRefusedException saying <paramref name="message"/>.</summary>
    public RequestRefusedException(string message) : base(message) { }

    /// <summary>A RequestRefusedException saying <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public RequestRefusedException(string message, Exception inner) : base(message, inner) { }

    /// <summary>A RequestRefusedException with the default message.</summary>
    public RequestRefusedException() { }
}
