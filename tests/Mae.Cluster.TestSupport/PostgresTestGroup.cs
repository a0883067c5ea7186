namespace Mae.Cluster.TestSupport;

/// <summary>
/// Tests that share one <see cref="PostgresServer"/> (each in databases of its own); join by type,
/// <c>[Collection(typeof(PostgresTestGroup))]</c>, as with <see cref="AzuriteTestGroup"/>.
/// </summary>
[CollectionDefinition]
public sealed class PostgresTestGroup : ICollectionFixture<PostgresServer>;
