namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// Objects below one <see cref="StorageLocation"/>, addressed by '/'-separated relative paths. Every backend
/// behaves the same: writes are atomic (a reader sees the old or the complete new object, never a mix),
/// paths that would escape the location are refused, failures name the location with secrets redacted.
/// Blob backends retry transient failures (timeouts, 5xx, throttling, refused connections) within the
/// configured budget and fail fast on permanent ones (not found, access denied).
/// </summary>
public interface IObjectStore
{
    /// <summary>Where this store points.</summary>
    StorageLocation Location { get; }

    /// <summary>
    /// Every object whose relative path starts with <paramref name="prefix"/> ("" for all), recursively, in
    /// ordinal order of <see cref="StoredObject.Path"/>.
    /// </summary>
    /// <exception cref="StorageObjectNotFoundException">The location itself (folder or container) does not exist.</exception>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a forward-only stream over the object without buffering it whole. Blob streams resume from the
    /// current offset after a transient failure, and fail with <see cref="StorageObjectChangedException"/>
    /// if the object was replaced in the meantime.
    /// </summary>
    /// <exception cref="StorageObjectNotFoundException">No object at <paramref name="path"/>.</exception>
    Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a small object (a manifest, a record, a page of a listing) whole with one request; null when it does not
    /// exist. Not for large objects: the content is held in memory.
    /// </summary>
    Task<byte[]?> TryReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>The object's properties, or null when it does not exist.</summary>
    Task<StoredObject?> GetPropertiesAsync(string path, CancellationToken cancellationToken);

    /// <summary>Writes (or atomically replaces) the object with everything read from <paramref name="content"/>.</summary>
    Task WriteAsync(string path, Stream content, CancellationToken cancellationToken);

    /// <summary>Writes (or atomically replaces) the object with <paramref name="content"/>.</summary>
    Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>
    /// Creates the object only if nothing exists at <paramref name="path"/>; returns false when something
    /// already did. Of several concurrent callers exactly one gets true ("first writer wins").
    /// </summary>
    Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Deletes the object; an absent object is not an error.</summary>
    Task DeleteAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Makes sure the location exists and can be written (creating the folder or container when missing,
    /// then writing and deleting a probe object).
    /// </summary>
    /// <exception cref="StorageNotWritableException">The location cannot be created or written.</exception>
    Task EnsureWritableAsync(CancellationToken cancellationToken);
}
