using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>A real store that records, for each object written, how much of <paramref name="input"/> had been listed by then.</summary>
internal sealed class WriteRecordingStore(IObjectStore inner, SyntheticInput input) : IObjectStore
{
    private readonly List<(string Path, int ListedWhenWritten)> _writes = [];

    public IReadOnlyList<(string Path, int ListedWhenWritten)> Writes
    {
        get
        {
            lock (_writes)
            {
                return [.. _writes];
            }
        }
    }

    public StorageLocation Location => inner.Location;

    public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken) => inner.OpenReadAsync(path, cancellationToken);

    public Task<byte[]?> TryReadAsync(string path, CancellationToken cancellationToken) => inner.TryReadAsync(path, cancellationToken);

    public Task<StoredObject?> GetPropertiesAsync(string path, CancellationToken cancellationToken) => inner.GetPropertiesAsync(path, cancellationToken);

    public async Task WriteAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(path, content, cancellationToken);
        Record(path);
    }

    public async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(path, content, cancellationToken);
        Record(path);
    }

    public Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.TryCreateAsync(path, content, cancellationToken);

    public Task DeleteAsync(string path, CancellationToken cancellationToken) => inner.DeleteAsync(path, cancellationToken);

    public Task EnsureWritableAsync(CancellationToken cancellationToken) => inner.EnsureWritableAsync(cancellationToken);

    private void Record(string path)
    {
        lock (_writes)
        {
            _writes.Add((path, input.Listed));
        }
    }
}
