using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Storage.Tests.Blobs;

/// <summary>Credential selection failures; none of these reach a server.</summary>
public sealed class ObjectStoreFactoryTests
{
    private const string OtherAccount =
        "DefaultEndpointsProtocol=https;AccountName=other;AccountKey=b3RoZXJrZXlvdGhlcmtleW90aGVya2V5;EndpointSuffix=core.windows.net";

    [Fact]
    public void AzLocationWithoutAConnectionStringSaysWhatToSet()
    {
        var error = Assert.Throws<StorageConfigurationException>(
            () => ObjectStoreFactory.Create("az://outputs/job", new StorageOptions { ConnectionString = null }));

        Assert.Contains("az://outputs/job", error.Message, StringComparison.Ordinal);
        Assert.Contains(StorageOptions.ConnectionStringVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UrlWithoutAnyCredentialListsTheWaysToAuthenticate()
    {
        var error = Assert.Throws<StorageConfigurationException>(
            () => ObjectStoreFactory.Create("https://acct.blob.core.windows.net/box/p", new StorageOptions { ConnectionString = null }));

        Assert.Contains("https://acct.blob.core.windows.net/box/p", error.Message, StringComparison.Ordinal);
        Assert.Contains("SAS token", error.Message, StringComparison.Ordinal);
        Assert.Contains("DefaultAzureCredential", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectionStringForAnotherAccountIsNotUsedAndTheKeyIsNotShown()
    {
        var error = Assert.Throws<StorageConfigurationException>(
            () => ObjectStoreFactory.Create("https://acct.blob.core.windows.net/box/p", new StorageOptions { ConnectionString = OtherAccount }));

        Assert.Contains("https://other.blob.core.windows.net", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("b3RoZXJrZXlvdGhlcmtleW90aGVya2V5", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedConnectionStringIsReportedWithoutItsKey()
    {
        var error = Assert.Throws<StorageConfigurationException>(
            () => ObjectStoreFactory.Create("az://box", new StorageOptions { ConnectionString = "AccountKey=c2VjcmV0c2VjcmV0c2VjcmV0;Nonsense" }));

        Assert.Contains("is not valid", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0c2VjcmV0c2VjcmV0", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SasUrlNeedsNoOtherCredential()
    {
        var store = ObjectStoreFactory.Create(
            "https://acct.blob.core.windows.net/box/p?sv=2025-01-05&sr=c&sp=rl&sig=c2lnbmF0dXJl", new StorageOptions { ConnectionString = null });

        Assert.Equal("https://acct.blob.core.windows.net/box/p?sv=2025-01-05&sr=c&sp=rl&sig=REDACTED", store.Location.ToString());
    }

    [Fact]
    public void OptionsOutOfRangeAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ObjectStoreFactory.Create("/tmp/x", new StorageOptions { UploadConcurrency = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => ObjectStoreFactory.Create("/tmp/x", new StorageOptions { Retry = new StorageRetryOptions { FirstDelay = TimeSpan.Zero } }));
    }

    [Fact]
    public void OptionsDoNotPrintTheConnectionString()
    {
        Assert.DoesNotContain("b3RoZXJrZXlvdGhlcmtleW90aGVya2V5", new StorageOptions { ConnectionString = OtherAccount }.ToString(), StringComparison.Ordinal);
    }
}
