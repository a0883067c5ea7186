using Microsoft.Extensions.Options;
using Npgsql;

namespace Mae.Cluster.Grains.Postgres;

/// <summary>
/// <c>Mae:Cluster:ConnectionString</c> read as PostgreSQL's: checked once at start, and described for logs and errors by
/// host, port, database and user only (it holds the password, which is never shown).
/// </summary>
internal static class PostgresConnectionString
{
    /// <summary>The ADO.NET invariant under which Orleans finds Npgsql's provider factory.</summary>
    public const string Invariant = "Npgsql";

    /// <exception cref="OptionsValidationException">The string is not one Npgsql can use.</exception>
    public static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            // Npgsql's message names the offending keyword, never a value such as the password.
            throw new OptionsValidationException(MaeClusterOptions.Section, typeof(MaeClusterOptions),
                [$"{MaeClusterOptions.Section}:{nameof(MaeClusterOptions.ConnectionString)} is not a PostgreSQL connection string: {e.Message}"]);
        }
    }

    /// <summary>Where the string points, such as <c>db.example:5432/mae as mae</c>; never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{connection.Host}:{connection.Port}/{connection.Database ?? connection.Username} as {connection.Username}");
    }
}
