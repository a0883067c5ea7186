using Mae.Cluster.Grains.Postgres;
using Npgsql;

namespace Mae.Cluster.Grains.Tests.Hosting;

/// <summary>
/// The start-up step of a Postgres-clustered silo against a real PostgreSQL server: it creates Orleans' tables in an empty
/// database once, however many silos start together, finds them afterwards, and says which server it could not reach
/// without showing the password.
/// </summary>
[Collection(typeof(PostgresTestGroup))]
public sealed class OrleansPostgresTablesTests(PostgresServer postgres)
{
    private static readonly string[] AllScripts = ["PostgreSQL-Main.sql", "PostgreSQL-Clustering.sql", "PostgreSQL-Persistence.sql"];

    [Fact]
    public async Task FirstStartCreatesOrleansTablesAndQueriesAndTheNextFindsThem()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken);
        var logger = new RecordingLogger();

        var first = await new OrleansPostgresTables(connectionString, logger).EnsureCreatedAsync(cancellationToken);
        var second = await new OrleansPostgresTables(connectionString, logger).EnsureCreatedAsync(cancellationToken);

        Assert.Equal(AllScripts, first);
        Assert.Empty(second);
        var queries = await QueryKeysAsync(connectionString, cancellationToken);
        // What Orleans 10.4.2's membership, gateway list and grain storage read at start.
        Assert.Superset(new HashSet<string>(["GatewaysQueryKey", "MembershipReadAllKey", "InsertMembershipKey", "UpdateIAmAlivetimeKey",
            "CleanupDefunctSiloEntriesKey", "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey"]), queries);
        Assert.Single(logger.Messages, m => m.StartsWith("Created Orleans' tables in PostgreSQL 127.0.0.1:", StringComparison.Ordinal));
        Assert.Single(logger.Messages, m => m.StartsWith("Found Orleans' tables in PostgreSQL 127.0.0.1:", StringComparison.Ordinal));
        Assert.All(logger.Messages, m => Assert.DoesNotContain(postgres.Password, m, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SilosStartingTogetherOnAnEmptyDatabaseCreateTheTablesExactlyOnce()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken);

        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Task.Run(() => new OrleansPostgresTables(connectionString, new RecordingLogger()).EnsureCreatedAsync(cancellationToken), cancellationToken)));

        Assert.Single(runs, r => r.Count > 0);
        Assert.Equal(AllScripts, runs.Single(r => r.Count > 0));
        Assert.Equal(5, runs.Count(r => r.Count == 0));
    }

    [Fact]
    public async Task ADatabaseHoldingOnlySomeOfTheTablesGetsTheMissingOnes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken);
        await new OrleansPostgresTables(connectionString, new RecordingLogger()).EnsureCreatedAsync(cancellationToken);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var drop = new NpgsqlCommand("DROP TABLE orleansstorage; DELETE FROM orleansquery WHERE querykey LIKE '%StorageKey'", connection);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        var created = await new OrleansPostgresTables(connectionString, new RecordingLogger()).EnsureCreatedAsync(cancellationToken);

        Assert.Equal(["PostgreSQL-Persistence.sql"], created);
        Assert.Contains("ReadFromStorageKey", await QueryKeysAsync(connectionString, cancellationToken));
    }

    [Fact]
    public async Task WrongPasswordIsReportedWithTheServerAndUserButNotThePassword()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        var connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionString("postgres")) { Password = wrong }.ConnectionString;

        var refused = await Assert.ThrowsAsync<PostgresUnavailableException>(() =>
            new OrleansPostgresTables(connectionString, new RecordingLogger()).EnsureCreatedAsync(cancellationToken));

        Assert.Contains($"PostgreSQL 127.0.0.1:{postgres.Port}/postgres as {PostgresServer.User} refused", refused.Message, StringComparison.Ordinal);
        Assert.Contains("password authentication failed", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, refused.ToString(), StringComparison.Ordinal);
    }

    private static async Task<HashSet<string>> QueryKeysAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var select = new NpgsqlCommand("SELECT querykey FROM orleansquery", connection);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetString(0));
        }
        return keys;
    }
}
