using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Storage.Tests.Blobs;

public sealed class SecretRedactorTests
{
    [Theory]
    [InlineData(
        "https://a.blob.core.windows.net/c?sv=2025-01-05&sig=abc%2Bdef%3D&se=2030",
        "https://a.blob.core.windows.net/c?sv=2025-01-05&sig=REDACTED&se=2030")]
    [InlineData(
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5PT0=;EndpointSuffix=core.windows.net",
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net")]
    [InlineData(
        "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2025&sp=r&sig=xyz123",
        "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=REDACTED")]
    [InlineData("Authorization: SharedKey devstoreaccount1:q1w2e3r4t5y6=", "Authorization: SharedKey devstoreaccount1:REDACTED")]
    [InlineData("Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGci.abc-def_ghi", "Authorization: Bearer REDACTED")]
    [InlineData("nothing secret here", "nothing secret here")]
    public void CredentialsAreReplaced(string text, string expected)
    {
        Assert.Equal(expected, SecretRedactor.Redact(text));
    }

    [Fact]
    public void KnownSecretsAreRemovedWherePatternsCannotSeeThem()
    {
        Assert.Equal("token REDACTED leaked", SecretRedactor.Redact("token s3cr3t-value-42 leaked", "s3cr3t-value-42"));
    }
}
