namespace Mae.Cluster.Storage.Blobs;

/// <summary>One object in a store.</summary>
/// <param name="Path">Path relative to the store's location, '/'-separated.</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="LastModified">When the object was last written.</param>
/// <param name="Version">
/// Changes whenever the object is rewritten: the ETag for blobs; modification time and length for local files.
/// </param>
public sealed record StoredObject(string Path, long Length, DateTimeOffset LastModified, string Version);
