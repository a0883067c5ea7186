using Azure.Identity;
using Azure.Storage.Blobs;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// Picks the credential for a blob location. az:// always uses the connection string. A URL uses, in this
/// order: its SAS token; the token credential given in the options; DefaultAzureCredential when asked for;
/// the connection string when it names the same endpoint.
/// Anything else is refused with a message that lists the ways to authenticate.
/// </summary>
internal static class BlobContainerClientFactory
{
    public static (BlobContainerClient Client, string Authentication) Create(StorageLocation location, StorageOptions options)
    {
        var clientOptions = new BlobClientOptions();
        // StorageRetryPolicy owns retries (see there); SDK retries on top would multiply the attempts.
        clientOptions.Retry.MaxRetries = 0;
        clientOptions.Retry.NetworkTimeout = options.Retry.NetworkTimeout;
        var container = location.ContainerName!;

        if (location.HasSasToken)
        {
            return (new BlobContainerClient(location.ContainerUri(includeSas: true), clientOptions), "SAS token");
        }

        if (location.UsesConnectionStringAccount)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                throw new StorageConfigurationException(
                    $"Storage location {location} takes its account from a connection string, but none is set: set " +
                    $"{StorageOptions.ConnectionStringVariable} (or StorageOptions.ConnectionString), or give the full URL " +
                    $"https://ACCOUNT.blob.core.windows.net/{container}/... instead.",
                    location.ToString());
            }

            return (ServiceFromConnectionString(location, options.ConnectionString, clientOptions).GetBlobContainerClient(container), "connection string");
        }

        if (options.Credential is not null)
        {
            return (new BlobContainerClient(location.ContainerUri(includeSas: false), options.Credential, clientOptions), "token credential");
        }

        if (options.UseDefaultAzureCredential)
        {
            return (new BlobContainerClient(location.ContainerUri(includeSas: false), new DefaultAzureCredential(), clientOptions), "DefaultAzureCredential");
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            var service = ServiceFromConnectionString(location, options.ConnectionString, clientOptions);
            if (SameEndpoint(service.Uri, location.ServiceEndpoint!))
            {
                return (service.GetBlobContainerClient(container), "connection string");
            }

            throw new StorageConfigurationException(
                $"No credentials for {location}: the connection string is for {service.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/')}, " +
                $"not {location.ServiceEndpoint}. Add a SAS token to the URL, use that account's connection string, or enable DefaultAzureCredential.",
                location.ToString());
        }

        throw new StorageConfigurationException(
            $"No credentials for {location}: add a SAS token to the URL (...?sv=...&sig=...), set {StorageOptions.ConnectionStringVariable} " +
            $"to account '{location.AccountName}''s connection string, or enable DefaultAzureCredential (StorageOptions.UseDefaultAzureCredential).",
            location.ToString());
    }

    private static BlobServiceClient ServiceFromConnectionString(StorageLocation location, string connectionString, BlobClientOptions clientOptions)
    {
        try
        {
            return new BlobServiceClient(connectionString, clientOptions);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The parser's message may quote the string, so only a redacted copy is kept and no inner exception.
            throw new StorageConfigurationException(
                $"The storage connection string for {location} is not valid: {SecretRedactor.Redact(e.Message, connectionString)}",
                location.ToString());
        }
    }

    private static bool SameEndpoint(Uri a, Uri b) =>
        string.Equals(Normalize(a), Normalize(b), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(Uri uri) => uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
}
