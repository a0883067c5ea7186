using System.Globalization;
using System.Runtime.CompilerServices;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>An input of <paramref name="images"/> named images that exist only in its listing, counting what it has listed.</summary>
internal sealed class SyntheticInput(int images) : IObjectStore
{
    private int _listed;

    public int Listed => Volatile.Read(ref _listed);

    public StorageLocation Location { get; } = StorageLocation.Parse("/synthetic-input");

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        for (var i = 0; i < images; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = string.Create(CultureInfo.InvariantCulture, $"i/{i:D7}.jpg");
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _listed);
                yield return new StoredObject(path, 0, DateTimeOffset.UnixEpoch, "1");
            }
        }
    }

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<byte[]?> TryReadAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<StoredObject?> GetPropertiesAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task WriteAsync(string path, Stream content, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DeleteAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task EnsureWritableAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
}
