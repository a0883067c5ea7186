using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Tests.Infrastructure;

namespace Mae.Cluster.Storage.Tests.Blobs;

/// <summary>The shared store behaviour against Azurite, through an az:// location and the connection string.</summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class BlobObjectStoreTests(AzuriteFixture azurite) : ObjectStoreContractTests
{
    protected override IObjectStore CreateStore() =>
        ObjectStoreFactory.Create($"az://{UniqueContainerName()}/runs/one", TestOptions(azurite.ConnectionString), Log);

    internal static string UniqueContainerName() => "t" + Guid.NewGuid().ToString("N")[..20];

    [Fact]
    public async Task BlobsLandAtContainerAndPrefix()
    {
        await Store.WriteAsync("img_emb/img_emb_0.npy", "npy"u8.ToArray(), Token);

        var raw = new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString)
            .GetBlobContainerClient(Store.Location.ContainerName)
            .GetBlobClient("runs/one/img_emb/img_emb_0.npy");
        Assert.Equal("npy"u8.ToArray(), (await raw.DownloadContentAsync(Token)).Value.Content.ToArray());
    }
}
