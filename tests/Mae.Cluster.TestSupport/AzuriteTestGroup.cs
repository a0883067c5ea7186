namespace Mae.Cluster.TestSupport;

/// <summary>
/// Tests that share the one Azurite process; they run one after another, so a restart disturbs no one else. Test
/// classes join it by type, <c>[Collection(typeof(AzuriteTestGroup))]</c>: a definition in another assembly is found
/// that way (by name it would have to live in the test assembly itself).
/// </summary>
[CollectionDefinition]
public sealed class AzuriteTestGroup : ICollectionFixture<AzuriteFixture>;
