using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mae.Cluster.Grains.Postgres;

/// <summary>
/// Creates Orleans' PostgreSQL tables (the query table, membership, grain state) in the configured database when they are
/// missing, from Orleans' own scripts (embedded; see Postgres/Sql/README.md), so a new database needs no manual step.
/// Silos starting together serialise on an advisory lock and check again under it, and the check and the scripts run in
/// one transaction (PostgreSQL's DDL is transactional): the scripts run once, all or nothing.
/// </summary>
internal sealed partial class OrleansPostgresTables(string connectionString, ILogger logger)
{
    /// <summary>
    /// The advisory lock every Mae silo takes around its check-and-create: any fixed 64-bit number no other application
    /// of the database uses (the ASCII of "MaeOrlns").
    /// </summary>
    private const long CreationLock = 0x4D61_654F_726C_6E73;

    /// <summary>Each script with the table it creates: a script runs when its table is missing.</summary>
    private static readonly (string Table, string Script)[] Scripts =
    [
        ("orleansquery", "PostgreSQL-Main.sql"),
        ("orleansmembershiptable", "PostgreSQL-Clustering.sql"),
        ("orleansstorage", "PostgreSQL-Persistence.sql"),
    ];

    /// <summary>Runs the scripts whose tables are missing; returns their names (empty when every table was there).</summary>
    /// <exception cref="PostgresUnavailableException">The database cannot be reached, or refused the check or a script.</exception>
    public async Task<IReadOnlyList<string>> EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var connection = PostgresConnectionString.Parse(connectionString);
        var target = PostgresConnectionString.Describe(connection);
        IReadOnlyList<string> created;
        try
        {
            created = await CreateMissingAsync(connection.ConnectionString, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new PostgresUnavailableException($"PostgreSQL {target} refused to prepare Orleans' tables: {e.Message}", e);
        }
        catch (NpgsqlException e)
        {
            var reason = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
            throw new PostgresUnavailableException(
                $"Cannot reach PostgreSQL {target}, named by {MaeClusterOptions.Section}:{nameof(MaeClusterOptions.ConnectionString)}: {reason}", e);
        }
        if (created.Count > 0)
        {
            LogCreated(logger, target, created);
        }
        else
        {
            LogFound(logger, target);
        }
        return created;
    }

    private static async Task<IReadOnlyList<string>> CreateMissingAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // Held until the transaction ends: a silo that waited here sees the tables the first one committed.
                await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({CreationLock})", cancellationToken).ConfigureAwait(false);
                var created = new List<string>();
                foreach (var (table, script) in Scripts)
                {
                    if (!await ExistsAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false))
                    {
                        await ExecuteAsync(connection, transaction, ReadScript(script), cancellationToken).ConfigureAwait(false);
                        created.Add(script);
                    }
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return created;
            }
        }
    }

    /// <summary>Whether <paramref name="table"/> is visible on the connection's search path (where the scripts create it).</summary>
    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("table", table);
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
#pragma warning disable CA2100 // The text is a constant or one of Orleans' embedded scripts, never input.
        var command = new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string ReadScript(string name)
    {
        using var stream = typeof(OrleansPostgresTables).Assembly.GetManifestResourceStream($"{typeof(OrleansPostgresTables).Namespace}.{name}")
            ?? throw new InvalidOperationException($"The embedded script {name} is missing from {typeof(OrleansPostgresTables).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Orleans' tables in PostgreSQL {Target} ({Scripts})")]
    private static partial void LogCreated(ILogger logger, string target, IReadOnlyList<string> scripts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Found Orleans' tables in PostgreSQL {Target}")]
    private static partial void LogFound(ILogger logger, string target);
}
