using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>
/// The real-pipeline cluster with its job state in Azure Blob grain storage on Azurite, as a deployed silo keeps it:
/// what survives every silo stopping is what the Orleans provider wrote there, not an in-test store.
/// </summary>
public sealed class AzuritePipelineClusterFixture : PipelineClusterFixture
{
    /// <summary>The grain state container; every job grain and partition persists a blob here.</summary>
    public const string StateContainer = "mae-grain-state";

    internal AzuriteFixture Azurite { get; } = new();

    public override async ValueTask InitializeAsync()
    {
        await Azurite.InitializeAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Azurite.DisposeAsync();
    }

    /// <summary>Names of the grain state blobs written so far.</summary>
    public async Task<IReadOnlyList<string>> StateBlobsAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var blob in new BlobContainerClient(Azurite.ConnectionString, StateContainer).GetBlobsAsync(cancellationToken: cancellationToken))
        {
            names.Add(blob.Name);
        }
        return names;
    }

    // Read when each silo starts, after InitializeAsync has started Azurite and fixed its port.
    protected override void AddJobStorage(IServiceCollection services) =>
        services.AddAzureBlobGrainStorage(GrainStorageNames.Jobs, o =>
        {
            o.BlobServiceClient = new BlobServiceClient(Azurite.ConnectionString);
            o.ContainerName = StateContainer;
        });
}

[CollectionDefinition(Name)]
public sealed class AzuritePipelineClusterCollection : ICollectionFixture<AzuritePipelineClusterFixture>
{
    public const string Name = "AzuritePipelineCluster";
}
