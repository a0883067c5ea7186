using System.Text.Json;
using Azure.Storage.Blobs;
using Mae.Cluster.Grains.Execution;
using Mae.Cluster.Grains.Tests.Infrastructure;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Grains.Tests.Pipeline;

/// <summary>
/// The streamed listing into a blob output (Azurite): pages larger than one block go up as staged blocks while the
/// listing is read, and the final pages are whole; nothing staged is left.
/// </summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class StreamedEnumerationBlobTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task PagesStreamedToBlobsAreWholeAndTheStagingIsRemoved()
    {
        var container = "listing-" + Guid.NewGuid().ToString("N")[..20];
        await new BlobContainerClient(azurite.ConnectionString, container).CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        // The smallest block, so a page of 1,024 shards spans many blocks.
        var output = ObjectStoreFactory.Create($"{azurite.BlobEndpoint}/{container}/output",
            new StorageOptions { ConnectionString = azurite.ConnectionString, BlockSizeBytes = 1024 });
        const int Images = 3000;
        var input = new SyntheticInput(Images);
        var listing = new StagedShardListing(output, _ => Task.CompletedTask);
        await using (listing)
        {
            await foreach (var shard in InputShardLister.StreamAsync(input, 2, TestContext.Current.CancellationToken))
            {
                await listing.AddAsync(shard, TestContext.Current.CancellationToken);
            }
            Assert.Equal(Images / 2, await listing.CompleteAsync((_, _) => Task.CompletedTask, TestContext.Current.CancellationToken));
        }

        var stored = new List<string>();
        await foreach (var item in output.ListAsync(ShardListingPages.Folder, TestContext.Current.CancellationToken))
        {
            stored.Add(item.Path);
        }
        Assert.Equal([ShardListingPages.PagePath(0), ShardListingPages.PagePath(1)], stored);
        var reader = new ShardListingPages.Reader(output);
        for (var shard = 0; shard < Images / 2; shard++)
        {
            var read = await reader.ReadAsync(shard, TestContext.Current.CancellationToken);
            Assert.Equal([$"i/{2 * shard:D7}.jpg", $"i/{(2 * shard) + 1:D7}.jpg"], read.Images!.Select(i => i.ImagePath));
        }
        var first = await output.TryReadAsync(ShardListingPages.PagePath(0), TestContext.Current.CancellationToken);
        Assert.Equal(ShardListingPages.PageSize, JsonDocument.Parse(first!).RootElement.GetArrayLength());
    }
}
