using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// One try at getting one file into place: continue <c>{file}.incomplete</c> with a Range request (or start over
/// when the server ignores it or the partial belongs to another version), stream to disk, check size and SHA-256,
/// then rename into place. A broken transfer keeps its bytes on disk and throws <see cref="TransientHubFailure"/>,
/// so the next try resumes where this one stopped.
/// </summary>
internal sealed class ResumableFileDownload(HubHttp http, HubOptions options, HubRepoId repo, string revision)
{
    private const int BufferSize = 128 * 1024;

    /// <param name="metadata">What the Hub said about the file.</param>
    /// <param name="targetPath">Where the verified file ends up.</param>
    /// <param name="onBytesOnDisk">Told the file's length on disk as it grows.</param>
    public async Task<CacheManifestFile> DownloadAsync(
        HubFileMetadata metadata, string targetPath, Action<long> onBytesOnDisk, CancellationToken cancellationToken)
    {
        var partialPath = targetPath + ModelCache.IncompleteSuffix;
        var offset = ResumableLength(metadata, partialPath, targetPath + ModelCache.IncompleteEtagSuffix);
        var expectedSize = metadata.Size;
        if (expectedSize is null || offset < expectedSize)
        {
            using var response = await http.GetAsync(metadata.DownloadUri, offset, cancellationToken).ConfigureAwait(false);
            offset = AcceptedOffset(response, metadata, offset, partialPath);
            expectedSize ??= AnnouncedSize(response, offset);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await AppendAsync(body, partialPath, offset, expectedSize, metadata, onBytesOnDisk, cancellationToken).ConfigureAwait(false);
        }

        var sha256 = await VerifyAsync(metadata, targetPath, expectedSize, cancellationToken).ConfigureAwait(false);
        File.Move(partialPath, targetPath, overwrite: true);
        File.Delete(targetPath + ModelCache.IncompleteEtagSuffix);
        return new CacheManifestFile(metadata.FileName, new FileInfo(targetPath).Length, metadata.Etag, sha256);
    }

    /// <summary>
    /// Bytes of an earlier try that can be kept: none unless the partial was written for this very etag
    /// (a moved branch must not splice two versions), and none if it is longer than the file can be.
    /// </summary>
    private static long ResumableLength(HubFileMetadata metadata, string partialPath, string etagPath)
    {
        var partial = new FileInfo(partialPath);
        var recordedEtag = File.Exists(etagPath) ? File.ReadAllText(etagPath) : null;
        var sameVersion = recordedEtag is null || recordedEtag == metadata.Etag;
        if (partial.Exists && sameVersion && (metadata.Size is null || partial.Length <= metadata.Size))
        {
            return partial.Length;
        }

        File.Delete(partialPath);
        File.Delete(etagPath);
        if (metadata.Etag is not null)
        {
            File.WriteAllText(etagPath, metadata.Etag);
        }

        File.Create(partialPath).Dispose();
        return 0;
    }

    /// <summary>Where the body starts in the file: the requested offset for a matching 206, 0 when the server sent it all.</summary>
    private long AcceptedOffset(HttpResponseMessage response, HubFileMetadata metadata, long requested, string partialPath)
    {
        if (response.StatusCode == HttpStatusCode.PartialContent && requested > 0
            && response.Content.Headers.ContentRange is { From: { } from } && from == requested)
        {
            return requested;
        }

        if (response.StatusCode is HttpStatusCode.RequestedRangeNotSatisfiable or HttpStatusCode.PartialContent)
        {
            // The partial no longer fits what the server has (or it answered another range): start over next try.
            File.Delete(partialPath);
            throw new TransientHubFailure("the server refused to resume the download", metadata.DownloadUri, isNetworkFailure: false);
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw HubErrors.ForStatus(response, options, repo, revision, metadata.FileName);
        }

        // 200 to a Range request: the server ignored the range and sends everything, so the partial starts over.
        using (File.Open(partialPath, FileMode.Truncate))
        {
        }

        return 0;
    }

    private static long? AnnouncedSize(HttpResponseMessage response, long offset) =>
        response.Content.Headers.ContentRange?.Length ?? offset + response.Content.Headers.ContentLength;

    private async Task AppendAsync(
        Stream body, string partialPath, long offset, long? expectedSize, HubFileMetadata metadata,
        Action<long> onBytesOnDisk, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(partialPath, FileMode.Open, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        file.Seek(offset, SeekOrigin.Begin);
        file.SetLength(offset);
        onBytesOnDisk(offset);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                stall.CancelAfter(options.ReadTimeout);
                var read = await ReadAsync(body, buffer, file.Position, expectedSize, metadata, stall, cancellationToken)
                    .ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                onBytesOnDisk(file.Position);
            }

            file.Flush(flushToDisk: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>One read from the network; any failure here is the connection's, so it is worth a resumed try.</summary>
    private async Task<int> ReadAsync(
        Stream body, byte[] buffer, long onDisk, long? expectedSize, HubFileMetadata metadata, CancellationTokenSource stall,
        CancellationToken cancellationToken)
    {
        try
        {
            return await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientHubFailure(
                $"the transfer of '{metadata.FileName}' stalled for {options.ReadTimeout.TotalSeconds:0.#} s at {Progress(onDisk, expectedSize)}",
                metadata.DownloadUri, isNetworkFailure: true, innerException: e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new TransientHubFailure(
                $"the connection broke at {Progress(onDisk, expectedSize)} of '{metadata.FileName}' ({TransientHubFailure.Describe(e)})",
                metadata.DownloadUri, isNetworkFailure: true, innerException: e);
        }
    }

    /// <summary>Checks the finished partial; returns its SHA-256 when the Hub gave one to check against.</summary>
    private async Task<string?> VerifyAsync(HubFileMetadata metadata, string targetPath, long? expectedSize, CancellationToken cancellationToken)
    {
        var partialPath = targetPath + ModelCache.IncompleteSuffix;
        var length = new FileInfo(partialPath).Length;
        if (expectedSize is { } size && length < size)
        {
            // The server closed the body early without an error; what arrived is kept and the next try resumes.
            throw new TransientHubFailure(
                $"the server ended '{metadata.FileName}' early at {Progress(length, size)}", metadata.DownloadUri, isNetworkFailure: true);
        }

        if (expectedSize is { } announced && length > announced)
        {
            DeletePartial(targetPath);
            throw new HubIntegrityException(
                $"'{metadata.FileName}' of '{repo}' at revision '{revision}' is {length:N0} bytes, but the Hub announced {announced:N0}. "
                + "The partial download was deleted; run again, and if this repeats, the mirror or a proxy is serving bad data.");
        }

        if (metadata.Sha256 is not { } expected)
        {
            return null;
        }

        string actual;
        var stream = File.OpenRead(partialPath);
        await using (stream.ConfigureAwait(false))
        {
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }

        if (actual != expected)
        {
            DeletePartial(targetPath);
            throw new HubIntegrityException(
                $"'{metadata.FileName}' of '{repo}' at revision '{revision}' is corrupt: the Hub announced sha256 {expected}, "
                + $"the downloaded bytes hash to {actual}. The partial download was deleted; run again, and if this repeats, "
                + "the mirror or a proxy is serving bad data.");
        }

        return actual;
    }

    private static void DeletePartial(string targetPath)
    {
        File.Delete(targetPath + ModelCache.IncompleteSuffix);
        File.Delete(targetPath + ModelCache.IncompleteEtagSuffix);
    }

    private static string Progress(long bytes, long? total) => total is { } size
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} of {size:N0} bytes")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes");
}
