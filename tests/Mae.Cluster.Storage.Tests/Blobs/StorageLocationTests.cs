using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Storage.Tests.Blobs;

public sealed class StorageLocationTests
{
    [Fact]
    public void LocalPathBecomesAFullPathWithoutTrailingSeparator()
    {
        var location = StorageLocation.Parse("/data/shards/");

        Assert.Equal(StorageLocationKind.Local, location.Kind);
        Assert.Equal("/data/shards", location.LocalPath);
        Assert.Equal("/data/shards", location.ToString());
    }

    [Fact]
    public void RelativeLocalPathIsResolvedAgainstTheWorkingFolder()
    {
        var location = StorageLocation.Parse("out/run1");

        Assert.Equal(Path.GetFullPath("out/run1"), location.LocalPath);
    }

    [Fact]
    public void FileUriIsALocalFolder()
    {
        var location = StorageLocation.Parse("file:///data/my%20shards");

        Assert.Equal(StorageLocationKind.Local, location.Kind);
        Assert.Equal("/data/my shards", location.LocalPath);
    }

    [Fact]
    public void AzureUrlGivesAccountContainerAndPrefix()
    {
        var location = StorageLocation.Parse("https://myacct.blob.core.windows.net/datasets/laion/part-1/");

        Assert.Equal(StorageLocationKind.AzureBlob, location.Kind);
        Assert.Equal("myacct", location.AccountName);
        Assert.Equal("datasets", location.ContainerName);
        Assert.Equal("laion/part-1", location.Prefix);
        Assert.Equal(new Uri("https://myacct.blob.core.windows.net"), location.ServiceEndpoint);
        Assert.False(location.HasSasToken);
        Assert.Equal("https://myacct.blob.core.windows.net/datasets/laion/part-1", location.ToString());
    }

    [Fact]
    public void AzuriteUrlIsPathStyleWithTheAccountInThePath()
    {
        var location = StorageLocation.Parse("http://127.0.0.1:10000/devstoreaccount1/inputs/a%20b");

        Assert.Equal("devstoreaccount1", location.AccountName);
        Assert.Equal("inputs", location.ContainerName);
        Assert.Equal("a b", location.Prefix);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), location.ServiceEndpoint);
    }

    [Fact]
    public void AzLocationTakesItsAccountFromTheConnectionString()
    {
        var location = StorageLocation.Parse("az://outputs/job-7");

        Assert.True(location.UsesConnectionStringAccount);
        Assert.Null(location.ServiceEndpoint);
        Assert.Equal("outputs", location.ContainerName);
        Assert.Equal("job-7", location.Prefix);
        Assert.Equal("az://outputs/job-7", location.ToString());
    }

    [Fact]
    public void SasSignatureIsRedactedButTheRestOfTheTokenKept()
    {
        var location = StorageLocation.Parse("https://acct.blob.core.windows.net/box/p?sv=2025-01-05&sp=rl&se=2030-01-01&sr=c&sig=AbC%2Bdef%3D");

        Assert.True(location.HasSasToken);
        Assert.Equal("https://acct.blob.core.windows.net/box/p?sv=2025-01-05&sp=rl&se=2030-01-01&sr=c&sig=REDACTED", location.ToString());
        Assert.Equal("https://acct.blob.core.windows.net/box/p/x/y.tar?sv=2025-01-05&sp=rl&se=2030-01-01&sr=c&sig=REDACTED", location.Combine("x/y.tar").ToString());
    }

    [Fact]
    public void CombineAppendsBelowTheLocation()
    {
        Assert.Equal("az://box/p/img_emb/img_emb_0.npy", StorageLocation.Parse("az://box/p").Combine("img_emb/img_emb_0.npy").ToString());
        Assert.Equal("az://box/x", StorageLocation.Parse("az://box").Combine("x").ToString());
        Assert.Equal(Path.Combine("/data", "a", "b"), StorageLocation.Parse("/data").Combine("a/b").LocalPath);
    }

    [Theory]
    [InlineData("../up")]
    [InlineData("/abs")]
    [InlineData("a/../../b")]
    public void CombineRefusesPathsLeavingTheLocation(string path)
    {
        Assert.Throws<InvalidObjectPathException>(() => StorageLocation.Parse("/data").Combine(path));
        Assert.Throws<InvalidObjectPathException>(() => StorageLocation.Parse("az://box/p").Combine(path));
    }

    [Theory]
    [InlineData("", "the location is empty")]
    [InlineData("   ", "the location is empty")]
    [InlineData("s3://bucket/key", "the scheme 's3' is not supported")]
    [InlineData("gs://bucket/key", "the scheme 'gs' is not supported")]
    [InlineData("https://acct.blob.core.windows.net", "names no container")]
    [InlineData("https://acct.blob.core.windows.net/", "names no container")]
    [InlineData("https://acct.blob.core.windows.net/Bad_Name/x", "is not a valid container name")]
    [InlineData("https://acct.blob.core.windows.net/ab/x", "is not a valid container name")]
    [InlineData("https://acct.blob.core.windows.net/a--b/x", "is not a valid container name")]
    [InlineData("http://acct.blob.core.windows.net/box/x", "must use https://")]
    [InlineData("https://example.com/box/x", "is not a blob endpoint")]
    [InlineData("https://acct.dfs.core.windows.net/box/x", "is not a blob endpoint")]
    [InlineData("https://acct.blob.core.windows.net/box/../x", "'.' or '..' segment")]
    [InlineData("https://acct.blob.core.windows.net/box/%2e%2e/x", "'.' or '..' segment")]
    [InlineData("https://acct.blob.core.windows.net/box/a//b", "empty segment")]
    [InlineData("https://acct.blob.core.windows.net/box/x?comp=list", "not a SAS token")]
    [InlineData("https://acct.blob.core.windows.net/box/x#frag", "fragment")]
    [InlineData("https://user:pw@acct.blob.core.windows.net/box/x", "user part")]
    [InlineData("http://127.0.0.1:10000/", "needs /ACCOUNT/CONTAINER")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1", "names no container")]
    [InlineData("az://", "names no container")]
    [InlineData("az://UPPER/x", "is not a valid container name")]
    [InlineData("az://box/x?sv=1&sig=2", "take no query string")]
    [InlineData("file://server/share/x", "with a host ('server')")]
    [InlineData("/data/a\0b", "control character")]
    public void BadLocationsAreRefusedWithTheReason(string text, string reason)
    {
        var error = Assert.Throws<InvalidStorageLocationException>(() => StorageLocation.Parse(text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("Expected a local folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusedLocationMessageRedactsTheSas()
    {
        var error = Assert.Throws<InvalidStorageLocationException>(
            () => StorageLocation.Parse("https://acct.blob.core.windows.net/Bad_Name/x?sv=2025&sig=TopSecretSignature123"));

        Assert.DoesNotContain("TopSecretSignature123", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("sig=REDACTED", error.Message, StringComparison.Ordinal);
    }
}
