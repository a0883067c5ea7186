namespace Mae.Cluster.Grains.Postgres;

/// <summary>
/// Runs <see cref="OrleansPostgresTables"/> at the very first stage of the silo's start, before membership and grain
/// storage read their queries from the tables it creates; a failure stops the start with its message.
/// </summary>
internal sealed class OrleansPostgresTablesStartup(OrleansPostgresTables tables) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(OrleansPostgresTablesStartup), ServiceLifecycleStage.First, tables.EnsureCreatedAsync);
    }
}
