
namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>One Azurite (blob + table) for the real-process tests: Orleans clustering, grain state and job data.</summary>
public sealed class AzuriteWithTables : IAsyncLifetime
{
    internal AzuriteFixture Azurite { get; } = AzuriteFixture.WithTables();

    public ValueTask InitializeAsync() => Azurite.InitializeAsync();

    public ValueTask DisposeAsync() => Azurite.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SiloProcessCollection : ICollectionFixture<AzuriteWithTables>
{
    public const string Name = "SiloProcesses";
}
