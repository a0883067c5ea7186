using Azure.Storage;
using Azure.Storage.Sas;
using Mae.Cluster.Pipeline.Tests.Support;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Pipeline.Tests;

/// <summary>Jobs that cannot work are refused before any work, with a message that says why and where.</summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class JobSpecRefusalTests(AzuriteFixture azurite, TinyModel model)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageBackend.LocalFolder, false)]
    [InlineData(StorageBackend.LocalFolder, true)]
    [InlineData(StorageBackend.Azurite, false)]
    [InlineData(StorageBackend.Azurite, true)]
    public async Task InputWithoutImagesOrShardsIsRefusedAndNothingIsWritten(StorageBackend backend, bool hasOtherFiles)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        if (hasOtherFiles)
        {
            await storage.PutInputAsync("README.md", "# not an image"u8.ToArray(), Token);
            await storage.PutInputAsync("labels/captions.json", "{}"u8.ToArray(), Token);
        }

        var refused = await Assert.ThrowsAsync<JobSpecException>(() => storage.Runner(model.Engine).RunAsync(null, Token));

        Assert.Equal($"No images or .tar shards found under {storage.Input}.", refused.Message);
        Assert.DoesNotContain(await storage.EverythingAsync(Token), path => path.StartsWith("output/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MissingInputFolderIsNamedInTheError()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.LocalFolder, azurite, Token);
        var missing = Path.Combine(storage.LocalRoot, "no-such-input");

        var error = await Assert.ThrowsAsync<StorageObjectNotFoundException>(() =>
            storage.Runner(model.Engine, configure: o => o.Input = missing).RunAsync(null, Token));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputBelowAFileIsRefusedAsNotWritableBeforeAnyWork()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.LocalFolder, azurite, Token);
        await InputShards.PutTarsAsync(storage, shards: 1, imagesPerShard: 1, Token);
        var blocker = Path.Combine(storage.LocalRoot, "blocker");
        await File.WriteAllTextAsync(blocker, "a file where the output's parent folder should be", Token);
        var output = Path.Combine(blocker, "output");
        var log = new RecordingLogger();

        var error = await Assert.ThrowsAsync<StorageNotWritableException>(() =>
            storage.Runner(model.Engine, log, o => o.Output = output).RunAsync(null, Token));

        Assert.Contains(output, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Entries, e => e.Event == "LogShardCommitted");
    }

    [Fact]
    public async Task ReadOnlySasOutputIsRefusedAsNotWritableWithoutLeakingTheSignature()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.Azurite, azurite, Token);
        await InputShards.PutTarsAsync(storage, shards: 1, imagesPerShard: 1, Token);
        var builder = new BlobSasBuilder { BlobContainerName = storage.ContainerName, Resource = "c", ExpiresOn = DateTimeOffset.UtcNow.AddHours(1) };
        builder.SetPermissions(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List);
        var sas = builder.ToSasQueryParameters(new StorageSharedKeyCredential(AzuriteFixture.AccountName, AzuriteFixture.AccountKey)).ToString();
        var signature = sas.Split('&').Single(p => p.StartsWith("sig=", StringComparison.Ordinal))["sig=".Length..];
        var options = new ShardJobOptions
        {
            Input = $"{azurite.BlobEndpoint}/{storage.ContainerName}/input?{sas}",
            Output = $"{azurite.BlobEndpoint}/{storage.ContainerName}/output?{sas}",
        };
        var runner = new InProcessJob(model.Engine, options, TinyModel.Name, new StorageOptions { ConnectionString = null, Retry = JobStorage.FastRetries });

        var error = await Assert.ThrowsAsync<StorageNotWritableException>(() => runner.RunAsync(null, Token));

        Assert.Contains($"{storage.ContainerName}/output", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(signature, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.UnescapeDataString(signature), error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await storage.EverythingAsync(Token), path => path.StartsWith("output/", StringComparison.Ordinal));
    }
}
