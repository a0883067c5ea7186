using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Postgres;

/// <summary><c>Postgres</c> clustering: Orleans' ADO.NET membership and Mae's grain storage in one PostgreSQL database.</summary>
public static class PostgresSiloBuilderExtensions
{
    /// <summary>
    /// Membership and the <see cref="GrainStorageNames.Jobs"/> grain storage over Npgsql, and the start-up step that
    /// creates Orleans' tables when the database lacks them.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException"><paramref name="connectionString"/> is not a PostgreSQL connection string.</exception>
    public static ISiloBuilder UsePostgresClusteringAndStorage(this ISiloBuilder silo, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        PostgresConnectionString.Parse(connectionString);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresConnectionString.Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(GrainStorageNames.Jobs, o =>
        {
            o.Invariant = PostgresConnectionString.Invariant;
            o.ConnectionString = connectionString;
        });
        silo.Services.AddSingleton(sp => new OrleansPostgresTables(connectionString, sp.GetRequiredService<ILogger<OrleansPostgresTables>>()));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, OrleansPostgresTablesStartup>();
        return silo;
    }
}
