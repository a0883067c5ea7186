using Mae.Cluster.Storage.Tests.Infrastructure;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>One Azurite (blob + table) for the real-process tests: Orleans clustering, grain state and job data.</summary>
public sealed class AzuriteWithTables : IAsyncLifetime
{
    internal AzuriteFixture Azurite { get; } = new(withTables: true);

    public ValueTask InitializeAsync() => Azurite.InitializeAsync();

    public ValueTask DisposeAsync() => Azurite.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SiloProcessCollection : ICollectionFixture<AzuriteWithTables>
{
    public const string Name = "SiloProcesses";
}
