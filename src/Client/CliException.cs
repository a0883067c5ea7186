namespace Mae.Cluster.Client;

/// <summary>A refusal the user can act on: printed as one line, exit code 2, no stack trace.</summary>
public sealed class CliException : Exception
{
    public CliException(string message) : base(message) { }

    public CliException(string message, Exception inner) : base(message, inner) { }

    public CliException() { }
}
