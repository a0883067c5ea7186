using Azure.Data.Tables;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// Where a <see cref="SiloProcessCluster"/> keeps membership and grain state: the silos' settings for it (which the
/// <c>mae</c> CLI shares) and the same clustering for the test's own Orleans client.
/// </summary>
internal sealed record SiloProcessBackend(IReadOnlyDictionary<string, string> Settings, Action<IClientBuilder> ConfigureClient)
{
    /// <summary>Azure Table membership and Blob grain state on Azurite; the silos read and write job data there too.</summary>
    public static SiloProcessBackend Azurite(AzuriteFixture azurite) => new(
        new Dictionary<string, string>
        {
            ["Mae__Cluster__Clustering"] = "AzureStorage",
            ["Mae__Cluster__ConnectionString"] = azurite.ConnectionString,
            ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString,
        },
        client => client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(azurite.ConnectionString)));

    /// <summary>Orleans' ADO.NET membership and grain state in the PostgreSQL database of <paramref name="connectionString"/>.</summary>
    public static SiloProcessBackend Postgres(string connectionString) => new(
        new Dictionary<string, string>
        {
            ["Mae__Cluster__Clustering"] = "Postgres",
            ["Mae__Cluster__ConnectionString"] = connectionString,
        },
        client => client.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = connectionString;
        }));
}
