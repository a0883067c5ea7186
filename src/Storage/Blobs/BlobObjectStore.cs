using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>An <see cref="IObjectStore"/> over a container (and prefix) in Azure Blob Storage or Azurite.</summary>
internal sealed class BlobObjectStore : IObjectStore
{
    // Lets a retried create recognise its own earlier, seemingly lost, success.
    private const string WriterMetadataKey = "maewriter";
    private const string ProbePrefix = ".mae-write-probe-";

    private readonly BlobContainerClient _container;
    private readonly StorageOptions _options;
    private readonly ILogger _logger;
    private readonly StorageRetryPolicy _retry;
    private readonly string _locationText;

    public BlobObjectStore(StorageLocation location, BlobContainerClient container, StorageOptions options, ILogger logger)
    {
        Location = location;
        _container = container;
        _options = options;
        _logger = logger;
        _retry = new StorageRetryPolicy(options.Retry, logger);
        _locationText = location.ToString();
    }

    public StorageLocation Location { get; }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectPath.ValidatePrefix(prefix, Location);
        // Listing "PREFIX/" (not "PREFIX") keeps a sibling such as "PREFIXother/x" out.
        var basePrefix = Location.Prefix.Length == 0 ? string.Empty : Location.Prefix + ObjectPath.Separator;
        var listPrefix = basePrefix + prefix;
        string? continuation = null;
        do
        {
            var (items, next) = await NextPageAsync(listPrefix, continuation, cancellationToken).ConfigureAwait(false);
            foreach (var item in items)
            {
                // Zero-length "folder" markers that some tools create end with '/'; they are not objects.
                if (item.Name.EndsWith(ObjectPath.Separator))
                {
                    continue;
                }

                yield return new StoredObject(
                    item.Name[basePrefix.Length..],
                    item.Properties.ContentLength ?? 0,
                    item.Properties.LastModified ?? DateTimeOffset.MinValue,
                    item.Properties.ETag?.ToString() ?? string.Empty);
            }

            continuation = next;
        }
        while (!string.IsNullOrEmpty(continuation));
    }

    // One page per call, so that a retry repeats only the page that failed.
    private async Task<(IReadOnlyList<BlobItem> Items, string? Continuation)> NextPageAsync(
        string listPrefix, string? continuation, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(
                "list",
                _locationText,
                async token =>
                {
                    var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = listPrefix }, token).AsPages(continuation);
                    await foreach (var page in pages.WithCancellation(token).ConfigureAwait(false))
                    {
                        return (page.Values, page.ContinuationToken);
                    }

                    return ((IReadOnlyList<BlobItem>)[], (string?)null);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw BlobFailureTranslator.Translate(e, "list", _locationText);
        }
    }

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(path));
        var target = Describe(path);
        try
        {
            return await ResumableBlobReadStream.OpenAsync(blob, _retry, _logger, target, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw BlobFailureTranslator.Translate(e, "read", target);
        }
    }

    public async Task<byte[]?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(path));
        var target = Describe(path);
        try
        {
            return await _retry.ExecuteAsync(
                "read",
                target,
                async token => (await blob.DownloadContentAsync(token).ConfigureAwait(false)).Value.Content.ToArray(),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw BlobFailureTranslator.Translate(e, "read", target);
        }
    }

    public async Task<StoredObject?> GetPropertiesAsync(string path, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(path));
        var target = Describe(path);
        try
        {
            var properties = await _retry.ExecuteAsync(
                "get properties of",
                target,
                async token => (await blob.GetPropertiesAsync(cancellationToken: token).ConfigureAwait(false)).Value,
                cancellationToken).ConfigureAwait(false);
            return new StoredObject(path, properties.ContentLength, properties.LastModified, properties.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw BlobFailureTranslator.Translate(e, "get properties of", target);
        }
    }

    public async Task WriteAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var target = Describe(path);
        try
        {
            await Writer(path, target).WriteAsync(content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw BlobFailureTranslator.Translate(e, "write", target);
        }
    }

    public async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var target = Describe(path);
        try
        {
            await Writer(path, target).WriteAsync(content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw BlobFailureTranslator.Translate(e, "write", target);
        }
    }

    public async Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(path));
        var target = Describe(path);
        var writerId = Guid.NewGuid().ToString("N");
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            Metadata = new Dictionary<string, string> { [WriterMetadataKey] = writerId },
        };
        var attempts = 0;
        try
        {
            await _retry.ExecuteAsync(
                "create",
                target,
                token =>
                {
                    attempts++;
                    return blob.UploadAsync(BinaryData.FromBytes(content), options, token);
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // After a retry, "already exists" may be our own first attempt whose response was lost.
            return attempts > 1 && await WasWrittenByAsync(blob, target, writerId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw BlobFailureTranslator.Translate(e, "create", target);
        }
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(path));
        var target = Describe(path);
        try
        {
            await _retry.ExecuteAsync(
                "delete",
                target,
                token => blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions: null, token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw BlobFailureTranslator.Translate(e, "delete", target);
        }
    }

    public async Task EnsureWritableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _retry.ExecuteAsync(
                "create container for",
                _locationText,
                token => _container.CreateIfNotExistsAsync(cancellationToken: token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 403)
        {
            // A SAS scoped to one container may not create containers; the probe below decides.
            var failure = TransientFailures.Describe(e);
            StorageLog.ContainerCreationRefused(_logger, _container.Name, failure);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw NotWritable(BlobFailureTranslator.Translate(e, "create the container for", _locationText));
        }

        var probe = ProbePrefix + Guid.NewGuid().ToString("N");
        try
        {
            await WriteAsync(probe, "probe"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await DeleteAsync(probe, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            throw NotWritable(e);
        }
    }

    private StorageNotWritableException NotWritable(Exception cause) =>
        new($"Storage location {_locationText} is not writable: {cause.Message}", _locationText, cause);

    private async Task<bool> WasWrittenByAsync(BlobClient blob, string target, string writerId, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await _retry.ExecuteAsync(
                "get properties of",
                target,
                async token => (await blob.GetPropertiesAsync(cancellationToken: token).ConfigureAwait(false)).Value,
                cancellationToken).ConfigureAwait(false);
            return properties.Metadata.TryGetValue(WriterMetadataKey, out var owner) && owner == writerId;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw BlobFailureTranslator.Translate(e, "create", target);
        }
    }

    private BlobContentWriter Writer(string path, string target) =>
        new(_container.GetBlockBlobClient(BlobName(path)), _retry, target, _options.BlockSizeBytes, _options.UploadConcurrency);

    private string BlobName(string path) => ObjectPath.Join(Location.Prefix, ObjectPath.Validate(path, Location));

    private string Describe(string path) => Location.Combine(path).ToString();
}
