namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>Where a test job reads its shards and writes its results.</summary>
public enum StorageBackend
{
    /// <summary>Folders on the local file system.</summary>
    LocalFolder,

    /// <summary>Blob prefixes in Azurite, the Azure Storage emulator, over real HTTP on 127.0.0.1.</summary>
    Azurite,
}
