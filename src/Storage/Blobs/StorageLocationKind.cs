namespace Mae.Cluster.Storage.Blobs;

/// <summary>Which backend a <see cref="StorageLocation"/> points at.</summary>
public enum StorageLocationKind
{
    /// <summary>A folder on the local file system.</summary>
    Local,

    /// <summary>A container (and optional prefix) in Azure Blob Storage or Azurite.</summary>
    AzureBlob,
}
