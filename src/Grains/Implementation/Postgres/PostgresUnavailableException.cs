namespace Mae.Cluster.Grains.Postgres;

/// <summary>
/// The PostgreSQL database of <c>Mae:Cluster:ConnectionString</c> cannot be reached or refused to prepare Orleans' tables;
/// the message says where (host, port, database, user) and why, never the password.
/// </summary>
public sealed class PostgresUnavailableException : Exception
{
    public PostgresUnavailableException()
    {
    }

    public PostgresUnavailableException(string message)
        : base(message)
    {
    }

    public PostgresUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
