using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Tests.Infrastructure;

namespace Mae.Cluster.Storage.Tests.Blobs;

/// <summary>The ways to authenticate to a blob location, tried against Azurite, and that secrets stay out of messages.</summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class BlobAuthenticationTests(AzuriteFixture azurite)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SasUrlWorksAndItsSignatureNeverAppearsInMessages()
    {
        var container = await CreateContainerAsync();
        var sas = ContainerSas(container, BlobContainerSasPermissions.All);
        var signature = SignatureOf(sas);
        var url = $"{azurite.BlobEndpoint}/{container}/runs/sas?{sas}";
        var store = ObjectStoreFactory.Create(url, new StorageOptions { ConnectionString = null });

        await store.WriteAsync("a.bin", "via sas"u8.ToArray(), Token);
        await using (var read = await store.OpenReadAsync("a.bin", Token))
        {
            Assert.Equal("via sas"u8.ToArray(), await TestContent.ReadAllAsync(read, Token));
        }

        var missing = await Assert.ThrowsAsync<StorageObjectNotFoundException>(() => store.OpenReadAsync("missing.bin", Token));

        Assert.DoesNotContain(signature, store.Location.ToString(), StringComparison.Ordinal);
        Assert.Contains("sig=REDACTED", store.Location.ToString(), StringComparison.Ordinal);
        AssertNoSecret(missing, signature);
    }

    [Fact]
    public async Task SasWithoutWritePermissionFailsFastWithAccessDenied()
    {
        var container = await CreateContainerAsync();
        var sas = ContainerSas(container, BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List);
        var log = new RecordingLogger();
        var store = ObjectStoreFactory.Create($"{azurite.BlobEndpoint}/{container}?{sas}", new StorageOptions { ConnectionString = null }, log);

        var write = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => store.WriteAsync("a.bin", "x"u8.ToArray(), Token));
        var ensure = await Assert.ThrowsAsync<StorageNotWritableException>(() => store.EnsureWritableAsync(Token));

        Assert.Contains("access denied", write.Message, StringComparison.Ordinal);
        Assert.Contains(container, write.Message, StringComparison.Ordinal);
        Assert.Equal(0, log.Count("RetryingTransientFailure"));
        AssertNoSecret(write, SignatureOf(sas));
        AssertNoSecret(ensure, SignatureOf(sas));
    }

    [Fact]
    public async Task TamperedSasSignatureIsRefusedWithoutRetrying()
    {
        var container = await CreateContainerAsync();
        var sas = ContainerSas(container, BlobContainerSasPermissions.All);
        var signature = SignatureOf(sas);
        var forged = sas.Replace("sig=" + signature, "sig=" + Uri.EscapeDataString(Convert.ToBase64String(new byte[32])), StringComparison.Ordinal);
        var log = new RecordingLogger();
        var store = ObjectStoreFactory.Create($"{azurite.BlobEndpoint}/{container}/p?{forged}", new StorageOptions { ConnectionString = null }, log);

        var error = await Assert.ThrowsAsync<StorageAccessDeniedException>(() => store.WriteAsync("a.bin", "x"u8.ToArray(), Token));

        Assert.Equal(0, log.Count("RetryingTransientFailure"));
        AssertNoSecret(error, SignatureOf(forged));
    }

    [Fact]
    public async Task HttpUrlOnTheConnectionStringsAccountUsesTheConnectionString()
    {
        var container = BlobObjectStoreTests.UniqueContainerName();
        var store = ObjectStoreFactory.Create(
            $"{azurite.BlobEndpoint}/{container}/runs/cs", new StorageOptions { ConnectionString = azurite.ConnectionString });

        await store.EnsureWritableAsync(Token);
        await store.WriteAsync("x/y.bin", "via connection string"u8.ToArray(), Token);

        var listed = new List<StoredObject>();
        await foreach (var item in store.ListAsync(string.Empty, Token))
        {
            listed.Add(item);
        }

        Assert.Equal(["x/y.bin"], listed.Select(o => o.Path));
    }

    [Fact]
    public async Task AccountKeyNeverAppearsInMessages()
    {
        var store = ObjectStoreFactory.Create(
            $"az://{BlobObjectStoreTests.UniqueContainerName()}/p", new StorageOptions { ConnectionString = azurite.ConnectionString });

        var error = await Assert.ThrowsAsync<StorageObjectNotFoundException>(() => store.OpenReadAsync("nothing", Token));

        Assert.Contains("the container does not exist", error.Message, StringComparison.Ordinal);
        AssertNoSecret(error, AzuriteFixture.AccountKey);
    }

    private async Task<string> CreateContainerAsync()
    {
        var name = BlobObjectStoreTests.UniqueContainerName();
        await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(name).CreateAsync(cancellationToken: Token);
        return name;
    }

    private static string ContainerSas(string container, BlobContainerSasPermissions permissions)
    {
        var builder = new BlobSasBuilder
        {
            BlobContainerName = container,
            Resource = "c",
            ExpiresOn = DateTimeOffset.UtcNow.AddHours(1),
        };
        builder.SetPermissions(permissions);
        return builder.ToSasQueryParameters(new StorageSharedKeyCredential(AzuriteFixture.AccountName, AzuriteFixture.AccountKey)).ToString();
    }

    private static string SignatureOf(string sas) =>
        sas.Split('&').Single(p => p.StartsWith("sig=", StringComparison.Ordinal))["sig=".Length..];

    private static void AssertNoSecret(Exception error, string secret)
    {
        var everything = error.ToString();
        Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.UnescapeDataString(secret), everything, StringComparison.Ordinal);
        if (error is StorageException { Location: { } location })
        {
            Assert.DoesNotContain(secret, location, StringComparison.Ordinal);
        }
    }
}
