namespace Mae.Cluster.Storage.Tests.Infrastructure;

/// <summary>Tests that share the one Azurite process; they run one after another, so a restart disturbs no one else.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteTestGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
