using Azure.Core;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// How stores reach their backend. A class rather than a record on purpose: a record's generated
/// ToString would print the connection string.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>The environment variable read for the default <see cref="ConnectionString"/>.</summary>
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    /// <summary>
    /// Azure Storage connection string; used for <c>az://</c> locations and for URLs on the same account.
    /// Defaults to <c>AZURE_STORAGE_CONNECTION_STRING</c>; set null to use none.
    /// </summary>
    public string? ConnectionString { get; init; } = Environment.GetEnvironmentVariable(ConnectionStringVariable);

    /// <summary>
    /// A token credential for https:// URLs without a SAS token (e.g. a shared <c>WorkloadIdentityCredential</c>);
    /// takes precedence over <see cref="UseDefaultAzureCredential"/> and the connection string.
    /// </summary>
    public TokenCredential? Credential { get; init; }

    /// <summary>
    /// Authenticate https:// URLs without a SAS token with <c>DefaultAzureCredential</c> (managed identity,
    /// workload identity, Azure CLI login, ...). Takes precedence over a matching connection string.
    /// </summary>
    public bool UseDefaultAzureCredential { get; init; }

    /// <summary>Retry policy for transient blob failures.</summary>
    public StorageRetryOptions Retry { get; init; } = new();

    /// <summary>
    /// Content up to this size is written with one request; larger content is staged in blocks of this
    /// size and committed with one block list (atomic either way).
    /// </summary>
    public int BlockSizeBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>How many blocks of one upload may be in flight (and in memory) at once.</summary>
    public int UploadConcurrency { get; init; } = 4;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSizeBytes, 1024, nameof(BlockSizeBytes));
        // Azure's limit on one staged block.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BlockSizeBytes, 1 << 30, nameof(BlockSizeBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(UploadConcurrency, 1, nameof(UploadConcurrency));
        ArgumentNullException.ThrowIfNull(Retry, nameof(Retry));
        Retry.Validate();
    }
}
