using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Pipeline;

internal static class ObjectStoreExtensions
{
    /// <summary>Reads a small object (a manifest or record) whole; null when it does not exist.</summary>
    public static async Task<byte[]?> TryReadSmallAsync(this IObjectStore store, string path, CancellationToken cancellationToken)
    {
        if (await store.GetPropertiesAsync(path, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        var stream = await store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }
}
